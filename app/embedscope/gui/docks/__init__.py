"""The window's side panels, one module each; every dock takes the AppState and subscribes."""
