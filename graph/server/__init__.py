"""The composition root, at the edge: the app factory (`app`), the `tailor` command (`cli`), uvicorn's
server (`serving`) and the web settings (`settings`)."""
