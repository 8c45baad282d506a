//! Commands for sections, institutions, people, positions and agreements.
