"""dl_core: the playground's engine. Plain Python, no Streamlit.

Importing the package is cheap: TensorFlow is imported only by the modules that need it
(models, training, runs' trainers, inspect).
"""

import os

# Keras 3 runs on TensorFlow here; keep TensorFlow's C++ start-up chatter out of the logs.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
