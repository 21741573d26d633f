"""HTTP authentication for the resource tree: the pieces behind `plait.web.guard`.

`basic` and `digest` turn ``Authorization`` headers into `plait.cred` credentials;
`wrapper` puts a portal in front of a resource and answers 401 when a login fails.
"""
