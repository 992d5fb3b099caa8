// Starts Swagger UI over the spec this server serves (GET /api/v1/docs).
// Paths are relative to the page, so a reverse proxy's prefix still works.
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: new URL('openapi.yaml', window.location.href).href,
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: false,
    tryItOutEnabled: false,
    displayRequestDuration: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout'
  });
});
