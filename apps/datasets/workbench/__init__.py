"""The dataset workbench: box statistics, shape clusters and anchors (reads), and the
clean-up and aspect tools (writes that are one undoable operation each)."""
