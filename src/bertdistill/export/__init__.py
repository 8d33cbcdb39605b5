"""Exporting students for serving: ONNX (fp32 or dynamically quantised int8)."""
