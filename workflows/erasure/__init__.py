"""Account erasure: every service erases or anonymises what it holds for a deleted account."""
