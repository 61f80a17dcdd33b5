package web

import "log/slog"

// levelFor logs server errors as errors and the rest as information.
func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}
