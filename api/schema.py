"""What the OpenAPI schema says about authentication: the API key scheme.

Imported by ApiConfig.ready so that drf-spectacular finds the extension.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "值为 'Api-Key <key>'(在管理后台创建;可绑定一个企业)。"
            " The value is 'Api-Key <key>' (keys are made in the admin; a key may be tied to one company).",
        }
