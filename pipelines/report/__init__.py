"""The static report of a release: district maps, charts and district cards in three languages.

``data`` reads the release's published tables into plain structures, ``geo`` the bundled boundaries, ``charts``
builds the Vega-Lite specifications (Altair) and renders them to SVG offline, ``i18n`` holds the message
catalogues and the locale's number formats, and ``site`` renders the Jinja2 templates into a folder of pages
that open from the file system. ``crosscluster report`` is the command.
"""
