"""Topics: the subjects people follow, each usually handled by one department."""
