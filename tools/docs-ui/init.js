// Starts Swagger UI over the spec this server serves (GET /api/v1/docs).
// Paths are relative to the page, so a reverse proxy's prefix still works.
// The tags start closed: 21 of them read better than 146 operations, and
// Swagger UI would otherwise render only the operations in view (it
// virtualises lists of 150 items and more). A deep link (#/Tag/operationId)
// opens its operation.
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: new URL('openapi.yaml', window.location.href).href,
    dom_id: '#swagger-ui',
    deepLinking: true,
    docExpansion: 'none',
    persistAuthorization: false,
    tryItOutEnabled: false,
    displayRequestDuration: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout'
  });
});
