"""Reports: figures over what the assistant recorded (petitions, questions, sessions).

Pure queries returning plain rows, for the console's charts and the public index. Must not
import handlers or platform libraries.
"""
