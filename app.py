"""Serve the chat page: ``python app.py [--host 127.0.0.1] [--port 7860] [--share]``.

The page lives in ``rag/ui.py`` (``build_app()`` returns the Gradio Blocks).
"""

import sys

import rag.ui.app as ui

if __name__ == "__main__":
    sys.exit(ui.main())
