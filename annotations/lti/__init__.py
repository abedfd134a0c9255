"""LTI 1.3 Advantage: Korea Reader inside the school's LMS (issue "LTI 1.3").

Built on django-lti (`lti_tool`: registrations, deployments, keys, the JWKS and the OIDC
and launch views) and pylti1p3 underneath (the id token's checks, the services). What is
ours lives here: how a launch becomes an account, a class and an assignment, and the
pages around it. docs/LTI.md is the administrator's side.
"""
