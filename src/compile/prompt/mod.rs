//! Agent prompts, rendered with tera.
