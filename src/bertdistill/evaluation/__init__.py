"""Official GLUE metrics, batched prediction and the evaluate command."""
