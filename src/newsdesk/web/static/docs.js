// The API documentation page (/docs): Swagger UI, vendored in /static/vendor/, reading the desk's own
// OpenAPI document. No validator badge (it would call a remote service): nothing leaves the machine.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: false,
    defaultModelsExpandDepth: 0,
    docExpansion: "list",
  });
});
