-- POST with an empty JSON object (the bare insert endpoint).
wrk.method = "POST"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"
