"""Run an analysis plan on a study: the tables, figures and numbers of its report."""
