"""AI providers: embeddings (sentence-transformers, offline) and, later, the LLM port."""
