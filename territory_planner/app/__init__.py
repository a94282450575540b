"""The application layer: one way to change a project, for the window and the command line.

`session.Session` applies edits, writes them to the project's change log and
says what changed; `operations` turns what a user asked for (an import, an
assignment, new settings) into those edits. Neither imports Qt.
"""
