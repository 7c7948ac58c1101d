// Swagger UI from the bundled swagger-ui-bundle package: no CDN, no validator badge (it would
// call an external service), no external fonts.
(function () {
  'use strict';
  if (typeof window.SwaggerUIBundle !== 'function') return;  // plain page with the JSON link
  window.ui = window.SwaggerUIBundle({
    url: '/openapi.json', dom_id: '#swagger-ui', validatorUrl: null, deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis], layout: 'BaseLayout',
    onComplete: function () { document.body.dataset.docsReady = '1'; },
  });
})();
