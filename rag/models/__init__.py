"""Chat models behind one interface (``base.ChatModel``, ``MockModel`` for tests): llama.cpp
(``llamacpp``, the default, assembled by ``modelfile``), transformers (``hf``), an
OpenAI-compatible server (``openai``); ``load`` picks one from the settings; ``prompts`` loads
the prompt templates by name.
"""
