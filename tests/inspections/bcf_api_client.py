"""A minimal BCF-API 3.0 client written from the published specification only
(github.com/buildingSMART/BCF-API, release_3_0 README): discover the API through the Foundation
API's /foundation/versions, authenticate with a bearer token, then call /bcf/3.0 resources. It
knows nothing of Plumbline. (IfcOpenShell's bcf.v3.bcfapi client logs in only by an OAuth2
authorization-code flow through a browser on /foundation/1.0/auth, which cannot be driven here.)"""

import json
import urllib.error
import urllib.request


class BcfApiError(Exception):
    def __init__(self, status: int, body: str):
        super().__init__(f"{status}: {body}")
        self.status = status


class BcfApiClient:
    def __init__(self, server: str, token: str):
        self.server = server.rstrip("/")
        self.token = token
        versions = self._call("GET", f"{self.server}/foundation/versions", auth=False)["versions"]
        version = next(v for v in versions if v["api_id"] == "bcf" and v["version_id"] == "3.0")
        self.base = version["api_base_url"].rstrip("/")
        self.auth = self._call("GET", f"{self.server}/foundation/3.0/auth", auth=False)

    def _call(self, method, url, body=None, *, auth=True, raw=False):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if auth:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                content = response.read()
        except urllib.error.HTTPError as exc:
            raise BcfApiError(exc.code, exc.read().decode("utf-8", "replace")) from None
        return content if raw else json.loads(content or b"null")

    def current_user(self):
        return self._call("GET", f"{self.server}/foundation/3.0/current-user")

    def get(self, path, **kwargs):
        return self._call("GET", f"{self.base}{path}", **kwargs)

    def post(self, path, body):
        return self._call("POST", f"{self.base}{path}", body)

    def put(self, path, body):
        return self._call("PUT", f"{self.base}{path}", body)
