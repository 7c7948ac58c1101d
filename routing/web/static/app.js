// bypass route planner page. Every string from the server or the user reaches the DOM through
// textContent (or a DOM node handed to Leaflet), never parsed as markup.
(function () {
  'use strict';
  const WEST = 60;                       // map frame: longitudes [60, 420), Pacific in the middle
  const COLOURS = {us_free: '#1a7f3c', via_us: '#c62828'};
  const LABELS = {us_free: 'US-free', via_us: 'through the US'};
  const SIDES = ['us_free', 'via_us'];
  const $ = id => document.getElementById(id);
  const state = {places: {}, origins: [], ports: [], seq: 0};

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  const fmt0 = v => (v === null || v === undefined || !isFinite(v)) ? '–'
    : Number(v).toLocaleString('en-US', {maximumFractionDigits: 0});
  const fmt1 = v => (v === null || v === undefined || !isFinite(v)) ? '–' : Number(v).toFixed(1);
  const signed = v => (v === null || v === undefined || !isFinite(v)) ? '–'
    : (v > 0 ? '+' : '') + fmt0(v);

  async function getJSON(url) {
    const resp = await fetch(url, {headers: {'Accept': 'application/json'}});
    let body = null;
    try { body = await resp.json(); } catch (e) { body = null; }
    return {ok: resp.ok, status: resp.status, body: body};
  }

  // ------------------------------------------------------------------ place search
  const fold = s => String(s).normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .toLowerCase().replace(/[/-]/g, ' ').replace(/\s+/g, ' ').trim();

  function setupCombo(input, list, pool) {
    let active = -1;
    function close() { list.hidden = true; input.setAttribute('aria-expanded', 'false'); }
    function choose(p) { input.value = p.id; input.title = p.name; close(); }
    function render() {
      const q = fold(input.value);
      list.replaceChildren();
      active = -1;
      const items = pool().filter(p => !q || fold(p.id).startsWith(q) || fold(p.name).includes(q))
        .slice(0, 12);
      for (const p of items) {
        const li = el('li');
        li.setAttribute('role', 'option');
        li.dataset.id = p.id;
        li.append(el('span', p.name), ' ', el('small', p.id + (p.country ? ', ' + p.country : '')));
        li.addEventListener('mousedown', ev => { ev.preventDefault(); choose(p); });
        list.append(li);
      }
      list.hidden = items.length === 0;
      input.setAttribute('aria-expanded', String(!list.hidden));
    }
    input.addEventListener('input', render);
    input.addEventListener('focus', render);
    input.addEventListener('blur', close);
    input.addEventListener('keydown', ev => {
      const opts = [...list.children];
      if (list.hidden || !opts.length) return;
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        active = (active + (ev.key === 'ArrowDown' ? 1 : opts.length - 1)) % opts.length;
        opts.forEach((o, i) => o.classList.toggle('active', i === active));
      } else if (ev.key === 'Enter' && active >= 0) {
        ev.preventDefault();
        const p = pool().find(x => x.id === opts[active].dataset.id);
        if (p) choose(p);
      } else if (ev.key === 'Escape') close();
    });
  }

  // ------------------------------------------------------------------ map
  const map = L.map('map', {worldCopyJump: false, zoomSnap: 0.25});
  map.attributionControl.setPrefix('Leaflet');
  map.attributionControl.addAttribution('Natural Earth; © OpenStreetMap contributors');
  map.fitBounds([[-10, 95], [60, 290]]);
  const routeLayer = L.featureGroup().addTo(map);
  const placeLayer = L.featureGroup().addTo(map);

  const frameLon = lon => ((lon - WEST) % 360 + 360) % 360 + WEST;
  // GeoJSON parts (lon/lat, cut at +-180) -> Leaflet parts in the map frame, cut at its seam.
  function framed(geometry) {
    const out = [];
    for (const part of geometry.coordinates) {
      let cur = [];
      let prev = null;
      for (const [lon, lat] of part) {
        const x = frameLon(lon);
        if (prev !== null && Math.abs(x - prev) > 180) { if (cur.length > 1) out.push(cur); cur = []; }
        cur.push([lat, x]);
        prev = x;
      }
      if (cur.length > 1) out.push(cur);
    }
    return out;
  }

  function tooltip(lines) {
    const div = el('div');
    lines.forEach((t, i) => { if (i) div.append(el('br')); div.append(document.createTextNode(t)); });
    return div;
  }

  function drawRoutes(data) {
    routeLayer.clearLayers();
    placeLayer.clearLayers();
    const used = new Set();
    // US-free wide underneath, through the US narrow on top: shared lanes show both.
    for (const side of SIDES) {
      const route = data[side];
      if (!route) continue;
      const t = route.totals;
      for (const leg of route.legs) {
        used.add(leg.from.split(':')[0]); used.add(leg.to.split(':')[0]);
        if (!leg.geometry) continue;
        const hyp = leg.service === 'hypothetical';
        const line = L.polyline(framed(leg.geometry), {
          color: COLOURS[side], weight: side === 'us_free' ? 5 : 2.5, opacity: 1,
          dashArray: hyp ? '8 6' : null, className: 'route-' + side});
        line.bindTooltip(tooltip([
          LABELS[side] + ': ' + (leg.from_name || leg.from) + ' → ' + (leg.to_name || leg.to),
          leg.mode + ', ' + fmt0(leg.distance_km) + ' km, ' + fmt1(leg.time_h) + ' h, ' +
            fmt0(leg.cost_usd_per_teu) + ' USD/TEU' + (hyp ? ' (hypothetical service)' : ''),
          'route total ' + fmt0(t.cost_usd_per_teu) + ' USD/TEU, ' + fmt1(t.time_days) + ' days']),
          {sticky: true});
        line.addTo(routeLayer);
      }
    }
    for (const id of used) {
      const p = state.places[id];
      if (!p) continue;
      const hub = p.kind === 'hub';
      L.circleMarker([p.lat, frameLon(p.lon)], {radius: hub ? 5 : 5.5, weight: 1.5, color: '#222',
        fillColor: hub ? '#ffffff' : (p.country === 'USA' ? '#c62828' : '#1f4e79'),
        fillOpacity: 1, className: 'place-' + p.kind})
        .bindTooltip(tooltip([p.name + ' (' + p.id + ')'])).addTo(placeLayer);
    }
    const layers = routeLayer.getLayers();
    if (layers.length) map.fitBounds(routeLayer.getBounds(), {padding: [20, 20]});
  }

  // ------------------------------------------------------------------ tables and cards
  function card(side, route, reason) {
    const box = $('sum-' + side);
    box.replaceChildren();
    if (!route) { box.append(el('p', 'none: ' + (reason || 'no route'))); return; }
    const t = route.totals;
    box.append(el('div', fmt0(t.cost_usd_per_teu) + ' USD/TEU · ' + fmt1(t.time_days) + ' days',
      'big'));
    box.append(el('div', fmt0(t.co2_kg_per_teu) + ' kg CO2/TEU · ' + fmt0(t.distance_km) + ' km · '
      + t.transshipments + ' transshipment(s) · ' + t.border_crossings + ' border crossing(s)'));
    box.append(el('div', 'ports: ' + (t.ports.join(' → ') || '–')));
    const notes = [];
    if (t.us_transit) notes.push('transits the United States');
    if (t.in_bond) notes.push('in bond');
    if (t.hypothetical_services) notes.push(t.hypothetical_services + ' sea leg(s) with no scheduled service');
    if (t.us_waters_nm && t.us_waters_nm.territorial > 0)
      notes.push(fmt0(t.us_waters_nm.territorial) + ' nm in US 12 nm waters');
    if (notes.length) box.append(el('div', notes.join(' · '), 'hint'));
  }

  function diffCard(data) {
    const box = $('sum-diff');
    box.replaceChildren();
    const a = data.us_free, b = data.via_us;
    if (!a || !b) { box.append(el('p', 'only one side has a route')); return; }
    const dc = a.totals.cost_usd_per_teu - b.totals.cost_usd_per_teu;
    const dd = a.totals.time_days - b.totals.time_days;
    box.append(el('div', signed(dc) + ' USD/TEU · ' + (dd > 0 ? '+' : '') + dd.toFixed(1) + ' days',
      'big'));
    box.append(el('div', 'US-free minus through the US (transport cost, before tariff scenarios)',
      'hint'));
  }

  function legsTable(side, route, reason) {
    const table = $('legs-' + side);
    table.replaceChildren();
    if (!route) { const tr = el('tr'); tr.append(el('td', reason || 'no route', 'text')); table.append(tr); return; }
    const head = el('tr');
    for (const h of ['leg', 'from', 'to', 'km', 'hours', 'USD/TEU', 'kg CO2/TEU', 'note'])
      head.append(el('th', h));
    const thead = el('thead'); thead.append(head); table.append(thead);
    const body = el('tbody');
    for (const leg of route.legs) {
      const tr = el('tr');
      const note = el('td', '', 'text');
      if (leg.service === 'hypothetical') note.append(el('span', 'hypothetical service', 'hyp-flag'), ' ');
      if (leg.us_transit) note.append(el('span', 'US', 'us'));
      tr.append(el('td', leg.mode === 'transfer' ? leg.kind : leg.mode, 'text'),
        el('td', leg.from_name || leg.from, 'text'), el('td', leg.to_name || leg.to, 'text'),
        el('td', fmt0(leg.distance_km)), el('td', fmt1(leg.time_h)),
        el('td', fmt0(leg.cost_usd_per_teu)), el('td', fmt0(leg.co2_kg_per_teu)), note);
      body.append(tr);
    }
    const t = route.totals;
    const tr = el('tr', null, 'total');
    tr.append(el('td', 'total', 'text'), el('td', ''), el('td', ''), el('td', fmt0(t.distance_km)),
      el('td', fmt1(t.time_h)), el('td', fmt0(t.cost_usd_per_teu)), el('td', fmt0(t.co2_kg_per_teu)),
      el('td', '', 'text'));
    body.append(tr);
    table.append(body);
  }

  // ------------------------------------------------------------------ frontier chart (SVG)
  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  function niceTicks(lo, hi, n) {
    const span = hi - lo || 1;
    const step0 = span / n;
    const mag = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 5, 10].map(m => m * mag).find(s => span / s <= n) || 10 * mag;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(v);
    return out;
  }

  function frontierChart(data) {
    const box = $('frontier-chart');
    box.replaceChildren();
    const series = SIDES.filter(s => data && data[s]).map(s => ({side: s, pts: data[s].map(r => ({
      cost_usd_per_teu: r.totals.cost_usd_per_teu, time_days: r.totals.time_days, route: r}))}));
    if (!series.length) { box.append(el('p', 'no frontier', 'hint')); return; }
    const all = series.flatMap(s => s.pts);
    const W = 760, H = 330, L0 = 80, R0 = 20, T0 = 20, B0 = 50;
    let x0 = Math.min(...all.map(p => p.time_days)), x1 = Math.max(...all.map(p => p.time_days));
    let y0 = Math.min(...all.map(p => p.cost_usd_per_teu)), y1 = Math.max(...all.map(p => p.cost_usd_per_teu));
    const padx = (x1 - x0) * 0.08 || 1, pady = (y1 - y0) * 0.08 || 100;
    x0 -= padx; x1 += padx; y0 = Math.max(0, y0 - pady); y1 += pady;
    const X = v => L0 + (v - x0) / (x1 - x0) * (W - L0 - R0);
    const Y = v => H - B0 - (v - y0) / (y1 - y0) * (H - T0 - B0);
    const root = svg('svg', {viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img',
      'aria-label': 'Cost versus transit time of the Pareto-optimal routes', 'font-size': 12,
      'font-family': 'system-ui, sans-serif'});
    for (const v of niceTicks(x0, x1, 8)) {
      root.append(svg('line', {x1: X(v), x2: X(v), y1: T0, y2: H - B0, stroke: '#e3e3e3'}));
      root.append(svg('text', {x: X(v), y: H - B0 + 16, 'text-anchor': 'middle'}, v.toFixed(v % 1 ? 1 : 0)));
    }
    for (const v of niceTicks(y0, y1, 6)) {
      root.append(svg('line', {x1: L0, x2: W - R0, y1: Y(v), y2: Y(v), stroke: '#e3e3e3'}));
      root.append(svg('text', {x: L0 - 6, y: Y(v) + 4, 'text-anchor': 'end'}, fmt0(v)));
    }
    root.append(svg('text', {x: (L0 + W - R0) / 2, y: H - 10, 'text-anchor': 'middle'}, 'transit days'));
    root.append(svg('text', {x: 14, y: (T0 + H - B0) / 2, 'text-anchor': 'middle',
      transform: `rotate(-90 14 ${(T0 + H - B0) / 2})`}, 'USD per TEU'));
    for (const s of series) {
      const pts = [...s.pts].sort((a, b) => a.time_days - b.time_days);
      // Step line: the cheapest cost reachable within a given time.
      let d = '';
      pts.forEach((p, i) => {
        d += (i ? ` H${X(p.time_days).toFixed(1)} V${Y(p.cost_usd_per_teu).toFixed(1)}`
          : `M${X(p.time_days).toFixed(1)} ${Y(p.cost_usd_per_teu).toFixed(1)}`);
      });
      root.append(svg('path', {d: d, fill: 'none', stroke: COLOURS[s.side], 'stroke-width': 1.5,
        'stroke-dasharray': '4 3'}));
      for (const p of pts) {
        const c = svg('circle', {cx: X(p.time_days), cy: Y(p.cost_usd_per_teu), r: 5,
          fill: COLOURS[s.side], stroke: '#fff', 'stroke-width': 1, class: 'pt-' + s.side});
        c.append(svg('title', {}, LABELS[s.side] + ': ' + fmt0(p.cost_usd_per_teu) + ' USD/TEU, ' +
          fmt1(p.time_days) + ' days via ' + (p.route.totals.ports.join(' → ') || '–')));
        root.append(c);
      }
    }
    series.forEach((s, i) => {
      root.append(svg('rect', {x: W - R0 - 230 + i * 120, y: T0 - 2, width: 12, height: 12,
        fill: COLOURS[s.side]}));
      root.append(svg('text', {x: W - R0 - 214 + i * 120, y: T0 + 8},
        LABELS[s.side] + ' (' + s.pts.length + ')'));
    });
    box.append(root);
  }

  // ------------------------------------------------------------------ scenarios, corridors
  function breakeven(payload, scenario) {
    const table = $('breakeven');
    table.replaceChildren();
    $('breakeven-detail').textContent = '';
    if (!payload) return;
    const head = el('tr');
    for (const h of ['scenario', 'break-even USD/TEU', 'favours']) head.append(el('th', h));
    const thead = el('thead'); thead.append(head); table.append(thead);
    const body = el('tbody');
    for (const s of payload.scenarios) {
      const tr = el('tr');
      const fav = s.pairs ? (s.pairs_us_free ? 'US-free' : 'through the US') : '–';
      tr.append(el('td', s.scenario + (s.scenario === scenario ? ' (selected)' : ''), 'text'),
        el('td', signed(s.median_breakeven_usd_per_teu)),
        el('td', fav, 'text ' + (s.pairs_us_free ? 'fav-us_free' : 'fav-via_us')));
      body.append(tr);
    }
    table.append(body);
    const p = payload.pairs[0];
    if (p) {
      $('breakeven-detail').textContent = 'Under ' + payload.scenario.name + ': US-free ' +
        fmt0(p.us_free_total_usd_per_teu) + ' USD/TEU vs through the US ' +
        fmt0(p.via_us_total_usd_per_teu) + ' USD/TEU (of which scenario charges ' +
        fmt0(p.via_us_charges_usd_per_teu) + '), cargo value ' + fmt0(p.cargo_value_usd_per_teu) +
        ' USD/TEU; break-even ' + signed(p.breakeven_usd_per_teu) + ' USD/TEU.';
    }
  }

  function corridors(res) {
    const table = $('corridors');
    const note = $('corridors-note');
    table.replaceChildren();
    note.textContent = '';
    if (!res.ok) {
      note.textContent = (res.body && res.body.error) || ('corridors unavailable (HTTP ' + res.status + ')');
      return;
    }
    const head = el('tr');
    for (const h of ['gateway', 'USD/TEU (with scenario charges)', 'days', 'ports', 'US transit',
      'in bond', 'note'])
      head.append(el('th', h));
    const thead = el('thead'); thead.append(head); table.append(thead);
    const body = el('tbody');
    for (const c of res.body.corridors) {
      const t = c.totals || {};
      const tr = el('tr');
      const cost = t.total_usd_per_teu !== undefined ? t.total_usd_per_teu : t.cost_usd_per_teu;
      const days = t.total_days !== undefined ? t.total_days : t.time_days;
      if (res.body.best === c.gateway) tr.className = 'best';
      tr.append(el('td', c.gateway + (res.body.best === c.gateway ? ' (best)' : ''), 'text'),
        el('td', fmt0(cost)), el('td', fmt1(days)), el('td', (t.ports || []).join(' → ') || '–', 'text'),
        el('td', c.us_transit === null || c.us_transit === undefined ? '–' : (c.us_transit ? 'yes' : 'no')),
        el('td', c.in_bond === null || c.in_bond === undefined ? '–' : (c.in_bond ? 'yes' : 'no')),
        el('td', c.reason || '', 'text'));
      body.append(tr);
    }
    table.append(body);
  }

  // ------------------------------------------------------------------ query
  function routeParams() {
    const p = new URLSearchParams();
    p.set('from', $('from').value.trim());
    p.set('to', $('to').value.trim());
    p.set('objective', $('objective').value);
    for (const name of ['max_days', 'max_cost', 'max_transshipments']) {
      const v = $(name).value.trim();
      if (v !== '') p.set(name, v);
    }
    for (const name of ['strict_waters', 'allow_hypothetical'])
      if ($(name).checked) p.set(name, 'true');
    return p;
  }

  function showError(body, status) {
    const box = $('error');
    box.hidden = false;
    $('error-text').textContent = (body && body.error) || ('request failed (HTTP ' + status + ')');
    const sugg = $('error-suggestions');
    const span = sugg.querySelector('span');
    span.replaceChildren();
    const list = (body && body.suggestions) || [];
    sugg.hidden = !list.length;
    for (const s of list) {
      const m = /\(([^()]+)\)$/.exec(s);
      const b = el('button', s);
      b.type = 'button';
      b.addEventListener('click', () => {
        const target = body.parameter === 'to' ? 'to' : (body.parameter === 'from' ? 'from' : null);
        if (target) { $(target).value = m ? m[1] : s; run(); }
      });
      span.append(b);
    }
  }

  function clearResults() {
    routeLayer.clearLayers(); placeLayer.clearLayers();
    for (const s of SIDES) { $('sum-' + s).textContent = '–'; $('legs-' + s).replaceChildren(); }
    $('sum-diff').textContent = '–';
    $('frontier-chart').replaceChildren();
    $('breakeven').replaceChildren(); $('breakeven-detail').textContent = '';
    $('corridors').replaceChildren(); $('corridors-note').textContent = '';
  }

  async function run() {
    const seq = ++state.seq;
    document.body.dataset.state = 'busy';
    $('go').disabled = true;
    $('error').hidden = true;
    const params = routeParams();
    const r = await getJSON('/api/route?' + params);
    if (seq !== state.seq) return;
    if (!r.ok) {
      clearResults();
      showError(r.body, r.status);
      $('go').disabled = false;
      document.body.dataset.state = 'error';
      return;
    }
    const data = r.body;
    history.replaceState(null, '', '?' + params);
    for (const s of SIDES) {
      card(s, data[s], data.reasons[s]);
      legsTable(s, data[s], data.reasons[s]);
    }
    diffCard(data);
    drawRoutes(data);
    const scenario = $('scenario').value;
    const pair = new URLSearchParams({from: data.from, to: data.to});
    const cmp = new URLSearchParams(pair);
    cmp.set('scenario', scenario);
    for (const name of ['strict_waters', 'allow_hypothetical'])
      if ($(name).checked) cmp.set(name, 'true');
    const fr = new URLSearchParams(params);
    fr.delete('objective');
    const cor = new URLSearchParams(cmp);
    cor.set('objective', $('objective').value);
    const [front, comp, corr] = await Promise.all([
      getJSON('/api/frontier?' + fr), getJSON('/api/compare?' + cmp),
      state.corridors ? getJSON('/api/corridors?' + cor) : Promise.resolve({ok: false, status: 501,
        body: {error: 'corridor analysis (Mexican, Canadian and US gateways side by side) is not '
          + 'part of this build'}})]);
    if (seq !== state.seq) return;
    frontierChart(front.ok ? front.body : null);
    if (!front.ok) $('frontier-chart').append(el('p', (front.body && front.body.error) || 'no frontier', 'hint'));
    breakeven(comp.ok ? comp.body : null, scenario);
    corridors(corr);
    $('dl-report-html').href = '/api/report.html?' + cmp;
    $('dl-report-csv').href = '/api/report.csv?' + cmp;
    $('dl-route-csv').href = '/api/route.csv?' + params;
    $('go').disabled = false;
    document.body.dataset.state = 'ready';
  }

  // ------------------------------------------------------------------ start-up
  async function start() {
    const [hubs, ports, scenarios, basemap, health] = await Promise.all([
      getJSON('/api/hubs'), getJSON('/api/ports'), getJSON('/api/scenarios'), getJSON('/api/basemap'),
      getJSON('/api/health')]);
    const features = (health.ok && health.body.features) || {};
    state.corridors = !!features.corridors;
    $('hyp-option').hidden = !features.allow_hypothetical;
    const fill = {USA: '#f3d6d3', MEX: '#dcebd5', CAN: '#e3e6ef'};
    if (basemap.ok) {
      L.geoJSON(basemap.body, {interactive: false, style: f => ({color: '#9a9a9a', weight: 0.6,
        fillColor: fill[f.properties.iso3] || '#eeeae0', fillOpacity: 1})}).addTo(map);
      routeLayer.bringToFront();
    }
    for (const [res, kind] of [[hubs, 'hub'], [ports, 'port']]) {
      if (!res.ok) continue;
      for (const f of res.body.features) {
        const p = {id: f.properties.id, name: f.properties.name, country: f.properties.country,
          kind: kind, lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1]};
        state.places[p.id] = p;
        (kind === 'hub' ? state.origins : state.ports).push(p);
      }
    }
    const asia = state.ports.filter(p => {
      const f = ports.body.features.find(x => x.properties.id === p.id);
      return f && f.properties.region === 'asia';
    });
    setupCombo($('from'), $('from-list'), () => state.origins.concat(state.ports));
    setupCombo($('to'), $('to-list'), () => asia.concat(state.ports.filter(p => !asia.includes(p))));
    if (scenarios.ok) {
      const sel = $('scenario');
      sel.replaceChildren();
      for (const s of scenarios.body) {
        const o = el('option', s.name + (s.as_of ? ' (as of ' + s.as_of + ')' : ''));
        o.value = s.name;
        o.title = s.description;
        sel.append(o);
      }
      sel.value = 'status_quo';
    }
    const q = new URLSearchParams(location.search);
    for (const name of ['from', 'to', 'objective', 'max_days', 'max_cost', 'max_transshipments']) {
      if (q.has(name)) $(name).value = q.get(name);
    }
    for (const name of ['strict_waters', 'allow_hypothetical'])
      $(name).checked = q.get(name) === 'true' && !$(name).closest('[hidden]');
    $('query').addEventListener('submit', ev => { ev.preventDefault(); run(); });
    $('scenario').addEventListener('change', run);
    document.body.dataset.state = 'idle';
    run();
  }
  start();
})();
