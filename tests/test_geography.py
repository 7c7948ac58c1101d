"""Geography: country lookups, antimeridian handling, lengths and US waters.

The US zones come from the on-disk cache after the first run (the first
computation takes some 20 s).
"""

from __future__ import annotations

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, Point, box

from networks import geography as geo
from networks.errors import BypassError

GEOD = Geod(ellps="WGS84")
NM = 1852.0


def geodesic_ray(lon: float, lat: float, azimuth: float, length_nm: float) -> LineString:
    """A straight course at sea, densified every nm so planar tests follow it."""
    end_lon, end_lat, _ = GEOD.fwd(lon, lat, azimuth, length_nm * NM)
    n = int(length_nm) - 1
    inner = GEOD.npts(lon, lat, end_lon, end_lat, n) if n > 0 else []
    return LineString(geo.unwrap_lons([(lon, lat), *inner, (end_lon, end_lat)]))


def offshore(lon: float, lat: float, azimuth: float, distance_nm: float) -> tuple[float, float]:
    x, y, _ = GEOD.fwd(lon, lat, azimuth, distance_nm * NM)
    return x, y


# -- countries ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat", "iso3"),
    [
        (-106.45, 31.72, "MEX"),  # Ciudad Juarez
        (-99.51, 27.48, "MEX"),  # Nuevo Laredo
        (-117.02, 32.51, "MEX"),  # Tijuana
        (-106.44, 31.77, "USA"),  # El Paso
        (-99.50, 27.53, "USA"),  # Laredo
        (-117.16, 32.72, "USA"),  # San Diego
        (-157.86, 21.31, "USA"),  # Honolulu
        (-149.90, 61.22, "USA"),  # Anchorage
        (-66.06, 18.40, "USA"),  # San Juan, Puerto Rico: territories fold into USA
        (-123.12, 49.28, "CAN"),  # Vancouver
        (-104.32, 19.05, "MEX"),  # Manzanillo
        (121.47, 31.23, "CHN"),  # Shanghai
        (-150.0, 10.0, None),  # mid-Pacific
    ],
)
def test_country_at(lon: float, lat: float, iso3: str | None) -> None:
    assert geo.country_at(lon, lat) == iso3


def test_country_at_accepts_unwrapped_longitudes() -> None:
    assert geo.country_at(-157.86 + 360.0, 21.31) == "USA"


def test_countries_frame() -> None:
    frame = geo.countries()
    assert list(frame.columns) == ["iso3", "name", "geometry"]
    assert {"USA", "MEX", "CAN", "CHN", "JPN"} <= set(frame["iso3"])
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.is_valid.all()


def test_usa_geometry_includes_territories() -> None:
    usa = geo.country_geometry("USA")
    for lon, lat in [(-66.11, 18.40), (144.75, 13.45), (-170.70, -14.30), (-64.93, 18.34)]:
        assert usa.contains(Point(lon, lat)), (lon, lat)  # PR, Guam, Am. Samoa, USVI
    assert not geo.country_geometry("PRI").contains(Point(-99.50, 27.53))


def test_unknown_country_raises() -> None:
    with pytest.raises(BypassError, match="unknown country code"):
        geo.country_geometry("XXX")


def test_missing_data_file_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(geo, "_NE_FILE", "no_such_file.zip")
    with pytest.raises(BypassError, match="no_such_file.zip"):
        geo.natural_earth_path()


def test_land() -> None:
    world = geo.land()
    assert world.contains(Point(-99.13, 19.43))  # Mexico City
    assert not world.contains(Point(-150.0, 10.0))
    assert not world.contains(Point(-120.0, 30.0))


def test_countries_crossed_in_order() -> None:
    line = LineString([(-100.31, 25.67), (-99.51, 27.48), (-99.50, 27.53), (-98.49, 29.42)])
    assert geo.countries_crossed(line) == ("MEX", "USA")
    assert geo.countries_crossed(line.reverse()) == ("USA", "MEX")
    assert geo.countries_crossed(LineString([(-150.0, 10.0), (-140.0, 12.0)])) == ()


def test_countries_crossed_across_antimeridian() -> None:
    # Chukotka (Russia) west of the Bering Strait, then Alaska's Seward Peninsula.
    line = LineString([(170.0, 66.0), (200.0, 66.0)])
    assert geo.countries_crossed(line) == ("RUS", "USA")


# -- antimeridian ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "expected"),
    [(0.0, 0.0), (180.0, 180.0), (-180.0, 180.0), (190.0, -170.0), (-190.0, 170.0), (540.0, 180.0)],
)
def test_normalize_lon(lon: float, expected: float) -> None:
    assert geo.normalize_lon(lon) == pytest.approx(expected)


def test_unwrap_lons() -> None:
    coords = geo.unwrap_lons([(170.0, 1.0), (179.0, 2.0), (-175.0, 3.0), (-130.0, 4.0)])
    assert coords == [(170.0, 1.0), (179.0, 2.0), (185.0, 3.0), (230.0, 4.0)]
    back = geo.unwrap_lons([(-170.0, 0.0), (170.0, 0.0)])
    assert back == [(-170.0, 0.0), (-190.0, 0.0)]


@pytest.mark.parametrize(
    "coords",
    [
        [(170.0, 50.0), (190.0, 52.0)],
        [(190.0, 52.0), (170.0, 50.0)],
        [(170.0, 50.0), (-170.0, 52.0)],  # same line written wrapped
        [(140.0, 30.0), (179.0, 40.0), (185.0, 45.0), (230.0, 50.0)],
    ],
)
def test_split_antimeridian(coords: list[tuple[float, float]]) -> None:
    line = LineString(coords)
    parts = geo.split_antimeridian(line)
    assert len(parts.geoms) == 2
    for part in parts.geoms:
        xs = [x for x, _ in part.coords]
        assert -180.0 <= min(xs) and max(xs) <= 180.0
    # The two parts meet at the same latitude on opposite sides of the seam.
    end, start = parts.geoms[0].coords[-1], parts.geoms[1].coords[0]
    assert abs(end[0]) == 180.0 and end[0] == -start[0] and end[1] == start[1]
    unsplit = geo.geodesic_length_km(line)
    assert geo.geodesic_length_km(parts) == pytest.approx(unsplit, rel=1e-3)


def test_split_without_crossing_is_one_part() -> None:
    parts = geo.split_antimeridian(LineString([(200.0, 10.0), (210.0, 12.0)]))
    assert [list(p.coords) for p in parts.geoms] == [[(-160.0, 10.0), (-150.0, 12.0)]]


# -- lengths -----------------------------------------------------------------------


def test_geodesic_length_one_degree_at_equator() -> None:
    assert geo.geodesic_length_km(LineString([(0.0, 0.0), (0.0, 1.0)])) == pytest.approx(
        110.57, abs=0.01
    )


def test_length_inside_half() -> None:
    square = box(0.0, 0.0, 10.0, 10.0)
    line = LineString([(5.0, 5.0), (15.0, 5.0)])
    total_nm = geo.geodesic_length_km(line) / 1.852
    assert geo.length_inside_nm(line, square) == pytest.approx(total_nm / 2, rel=0.01)
    assert geo.length_inside_nm(LineString([(20.0, 5.0), (30.0, 5.0)]), square) == 0.0


def test_land_run_is_longest_continuous_stretch() -> None:
    islands = shapely.union_all([box(1.0, -1.0, 2.0, 1.0), box(4.0, -1.0, 7.0, 1.0)])
    line = LineString([(0.0, 0.0), (10.0, 0.0)])
    one_degree_nm = geo.geodesic_length_km(LineString([(0.0, 0.0), (1.0, 0.0)])) / 1.852
    assert geo.land_run_nm(line, islands) == pytest.approx(3 * one_degree_nm, rel=1e-6)
    assert geo.length_inside_nm(line, islands) == pytest.approx(4 * one_degree_nm, rel=1e-6)
    assert geo.land_run_nm(LineString([(20.0, 0.0), (30.0, 0.0)]), islands) == 0.0


def test_land_run_spans_the_antimeridian() -> None:
    # An island split at the seam, as Natural Earth stores Chukotka.
    island = shapely.union_all([box(175.0, -1.0, 180.0, 1.0), box(-180.0, -1.0, -175.0, 1.0)])
    line = LineString([(170.0, 0.0), (190.0, 0.0)])
    ten_degrees_nm = geo.geodesic_length_km(LineString([(175.0, 0.0), (185.0, 0.0)])) / 1.852
    assert geo.land_run_nm(line, island) == pytest.approx(ten_degrees_nm, rel=1e-6)


def test_sea_leg_stays_at_sea() -> None:
    leg = geodesic_ray(-120.0, 30.0, 260.0, 300.0)
    assert geo.land_run_nm(leg, geo.land()) == 0.0
    across_baja = LineString([(-116.0, 31.0), (-114.0, 31.0)])
    assert geo.land_run_nm(across_baja, geo.land()) > 50.0


# -- US maritime zones ---------------------------------------------------------------


def test_zones_are_valid_and_wrapped() -> None:
    zones = geo.us_zones()
    assert set(zones) == {"territorial", "eez"}
    for zone in zones.values():
        assert zone.is_valid
        minx, _, maxx, _ = zone.bounds
        assert -180.0 <= minx and maxx <= 180.0
    assert zones["eez"].contains(zones["territorial"].representative_point())
    # The Aleutians straddle the antimeridian: US waters on both sides.
    assert zones["eez"].contains(Point(179.0, 51.0))
    assert zones["eez"].contains(Point(-179.0, 51.0))


def _inside(lon: float, lat: float) -> tuple[bool, bool]:
    zones = geo.us_zones()
    point = Point(lon, lat)
    return zones["territorial"].contains(point), zones["eez"].contains(point)


def test_point_off_san_diego_is_territorial() -> None:
    assert _inside(*offshore(-117.24, 32.67, 260.0, 5.0)) == (True, True)


def test_point_100_nm_off_california_is_eez_only() -> None:
    assert _inside(*offshore(-121.90, 36.30, 250.0, 100.0)) == (False, True)


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        (-116.62, 31.85),  # Ensenada harbour
        (-116.75, 31.80),  # Ensenada approaches
        (-117.30, 32.42),  # Islas Coronado (Mexico), 8 nm off the border
        (-123.35, 49.20),  # Vancouver approaches, Strait of Georgia
        (-123.60, 49.05),  # Strait of Georgia, Canadian side
        (-150.0, 10.0),  # mid-Pacific
    ],
)
def test_points_outside_us_waters(lon: float, lat: float) -> None:
    assert _inside(lon, lat) == (False, False)


def test_us_exposure_of_a_course_out_to_sea() -> None:
    # Off Los Angeles the Channel Islands carry the baseline out to sea, so
    # start 30 nm beyond San Nicolas Island and steam straight away from it.
    start = offshore(-119.47, 33.22, 225.0, 30.0)
    exposure = geo.us_exposure_nm(geodesic_ray(*start, 225.0, 300.0))
    assert exposure["territorial"] == 0.0
    assert exposure["eez"] == pytest.approx(170.0, rel=0.10)


def test_us_exposure_of_a_coastal_course() -> None:
    # About 7 nm off the Washington coast, 42 nm north-south: all territorial.
    course = LineString([(-124.30, 47.0), (-124.30, 46.3)])
    exposure = geo.us_exposure_nm(course)
    length_nm = geo.geodesic_length_km(course) / 1.852
    assert exposure["territorial"] == pytest.approx(length_nm, rel=0.05)
    assert exposure["eez"] == pytest.approx(length_nm, rel=1e-6)


def test_us_exposure_across_antimeridian_south_of_aleutians() -> None:
    course = geodesic_ray(175.0, 50.0, 90.0, 600.0)  # unwrapped lons beyond 180
    assert max(x for x, _ in course.coords) > 180.0
    exposure = geo.us_exposure_nm(course)
    assert exposure["territorial"] == 0.0
    assert 100.0 < exposure["eez"] < 600.0


# -- shared boundary waters ------------------------------------------------------------


def test_shared_boundary_waters_are_water() -> None:
    waters = geo.SHARED_BOUNDARY_WATERS
    assert waters.contains(Point(-123.80, 48.25))  # mid Juan de Fuca
    assert waters.contains(Point(-123.20, 48.60))  # Haro Strait
    assert not waters.contains(Point(-123.37, 48.43))  # Victoria (land)
    nearby_land = shapely.clip_by_rect(geo.land(), *waters.bounds)
    assert nearby_land.intersection(waters).area < 1e-9


def test_juan_de_fuca_transit_is_exempt() -> None:
    inbound = LineString([(-124.85, 48.47), (-124.0, 48.27), (-123.45, 48.23), (-123.20, 48.50)])
    assert geo.land_run_nm(inbound, geo.land()) == 0.0
    assert geo.us_exposure_nm(inbound)["territorial"] > 20.0
    assert geo.us_territorial_nm_outside_exemptions(inbound) == pytest.approx(0.0, abs=0.5)


def test_exemption_does_not_cover_the_outer_coast() -> None:
    course = LineString([(-124.30, 47.0), (-124.30, 46.3)])
    raw = geo.us_exposure_nm(course)["territorial"]
    assert geo.us_territorial_nm_outside_exemptions(course) == pytest.approx(raw)


# -- disk cache ----------------------------------------------------------------------


def test_disk_cache_computes_once(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("BYPASS_CACHE_DIR", str(tmp_path))
    calls: list[int] = []

    def compute() -> list[shapely.Geometry]:
        calls.append(1)
        return [box(0.0, 0.0, 1.0, 1.0), Point(2.0, 3.0)]

    first = geo._disk_cached("probe", {"x": 1}, compute)
    second = geo._disk_cached("probe", {"x": 1}, compute)
    assert calls == [1]
    assert [g.wkt for g in second] == [g.wkt for g in first]
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 1 and files[0].endswith(".wkb")  # no temp file left behind
    geo._disk_cached("probe", {"x": 2}, compute)  # other parameters, other file
    assert calls == [1, 1] and len(list(tmp_path.iterdir())) == 2


def test_near_is_dwithin_without_measuring_whole_countries():
    """The cold-build shortcut (segments in an STRtree) gives shapely.dwithin's answer."""
    import numpy as np
    import shapely

    from networks import geography as G

    forward, _ = G._aeqd(-100.0, 25.0)
    mexico = shapely.transform(G.country_geometry("MEX"), forward)
    rng = np.random.default_rng(7)
    coast = shapely.get_coordinates(shapely.segmentize(mexico.boundary, 20_000))
    pts = np.vstack([coast[rng.choice(len(coast), 400)] + rng.normal(0, 600, (400, 2)),
                     rng.uniform(-1.5e6, 1.5e6, (200, 2))])
    expected = shapely.dwithin(shapely.points(pts), mexico, 500.0)
    assert 0 < expected.sum() < len(pts)
    assert (G._near(pts, mexico, 500.0) == expected).all()
    line = shapely.transform(shapely.segmentize(shapely.box(-110, 15, -90, 30).exterior, 0.05),
                             forward)
    assert (G._near(pts, line, 500.0) == shapely.dwithin(shapely.points(pts), line, 500.0)).all()


def test_aeqd_pipeline_is_the_crs_transform():
    """The fast pipeline transformer is exactly what from_crs builds for the same projection."""
    import numpy as np
    from pyproj import Transformer

    from networks import geography as G

    ref = Transformer.from_crs(
        "EPSG:4326", "+proj=aeqd +lat_0=25 +lon_0=-100 +datum=WGS84 +units=m +no_defs",
        always_xy=True)
    fast = G._aeqd_transformer(-100.0, 25.0)
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(-130, -70, 200), rng.uniform(0, 60, 200)
    assert np.array_equal(np.array(ref.transform(lon, lat)), np.array(fast.transform(lon, lat)))
