// Swagger UI for the API's OpenAPI document; a file, not an inline script, so the pages'
// Content-Security-Policy (script-src 'self') holds for /docs too.
window.addEventListener("load", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
