"""Answer text from the evidence: extractive (default) or an OpenAI-compatible LLM, verified."""
