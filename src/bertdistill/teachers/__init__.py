"""Teachers: any Hugging Face encoder, or the embedded all-MiniLM-L6-v2 (alias `minilm`)."""
