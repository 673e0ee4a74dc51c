"""The training and inference engine: plain Python + torch. Never imports Django or apps.*;
it runs alone on a GPU host (`python -m ml ...`)."""
