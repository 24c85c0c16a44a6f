"""The Gradio demo of a trained experiment (`ginpipe-demo`); see demos/app.py."""
