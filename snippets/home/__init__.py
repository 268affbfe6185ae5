"""The program on the home page: a whole lesson, its output and badges."""
