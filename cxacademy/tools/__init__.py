"""Tools: the interactive CX metrics lab and the 5D self-assessment that lessons link to."""
