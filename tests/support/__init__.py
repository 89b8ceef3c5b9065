"""What tests share, in small modules named for what they hold: the settings and servers the app runs
with, a GraphQL client, the operations and people several test modules use, uploads and documents, the
stub LLM servers, the `tailor` command, and waiting on a condition. Test modules import shared things from
here and never from one another; conftest.py holds only fixtures and hooks (tests/test_layers.py checks)."""
