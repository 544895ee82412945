package web

// PreviewsMade is how many import previews this process has made.
func PreviewsMade() int64 { return previewsMade.Load() }
