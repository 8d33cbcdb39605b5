"""Tasks, data loading (GLUE from the hub or a glue_data folder, custom files) and tokenisation."""
