"""Domain logic, pure and synchronous where it can be. No I/O, no textual."""
