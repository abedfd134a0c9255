"""The W3C Web Annotation Protocol (https://www.w3.org/TR/annotation-protocol/) over the
highlights and replies: the container /annotations/ and each annotation in it
(annotations/views/protocol.py). `answers`: its HTTP (headers, media types, ETags,
refusals); `collection`: the container, its pages and each annotation's description;
`sent`: what a tool sends, read into the reading view's forms. docs/EXPORT.md,
"Annotation Protocol".
"""
