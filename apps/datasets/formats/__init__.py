"""Dataset formats: one module per format, each reading an archive into the neutral
`base.Dataset` and writing one from it. Plain Python (no Django, no database): the import
and export jobs do the storing."""
