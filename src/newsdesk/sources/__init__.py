"""Sources turn what the user names (files, folders, archives, URLs, feeds) into a stream of `Page`s."""
