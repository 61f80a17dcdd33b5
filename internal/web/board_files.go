package web

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Board attachments are checked twice: the file name's extension must be
// on the allow-list, and the content must look like that kind of file
// (its magic bytes; for the zip-based formats a readable zip with the
// format's marker entry; for text, UTF-8 that does not sniff as HTML).
// The stored content type is the allow-list's, never the uploader's claim.

// fileKind is an allowed attachment type.
type fileKind struct {
	ContentType string
	check       func(data []byte) bool
}

var (
	magicPDF = []byte("%PDF-")
	magicOLE = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1} // HWP 5.0 (compound file)
	magicHWP = []byte("HWP Document File")                            // HWP 3.0
	magicPNG = []byte("\x89PNG\r\n\x1a\n")
	magicJPG = []byte{0xFF, 0xD8, 0xFF}
)

// allowedFiles maps a lower-case extension to its kind.
var allowedFiles = map[string]fileKind{
	".pdf": {"application/pdf", func(b []byte) bool { return bytes.HasPrefix(b, magicPDF) }},
	".hwp": {"application/x-hwp", func(b []byte) bool { return bytes.HasPrefix(b, magicOLE) || bytes.HasPrefix(b, magicHWP) }},
	".hwpx": {"application/hwp+zip", func(b []byte) bool {
		return zipHas(b, "mimetype") || zipHas(b, "Contents/content.hpf")
	}},
	".docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", func(b []byte) bool { return zipHas(b, "[Content_Types].xml") }},
	".xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", func(b []byte) bool { return zipHas(b, "[Content_Types].xml") }},
	".pptx": {"application/vnd.openxmlformats-officedocument.presentationml.presentation", func(b []byte) bool { return zipHas(b, "[Content_Types].xml") }},
	".zip":  {"application/zip", func(b []byte) bool { return zipHas(b, "") }},
	".png":  {"image/png", func(b []byte) bool { return bytes.HasPrefix(b, magicPNG) }},
	".jpg":  {"image/jpeg", func(b []byte) bool { return bytes.HasPrefix(b, magicJPG) }},
	".jpeg": {"image/jpeg", func(b []byte) bool { return bytes.HasPrefix(b, magicJPG) }},
	".txt":  {"text/plain; charset=utf-8", plainText},
}

// allowedExtensions is the allow-list for messages and the file input's
// accept attribute.
const allowedExtensions = ".pdf,.hwp,.hwpx,.docx,.xlsx,.pptx,.zip,.png,.jpg,.jpeg,.txt"

// zipHas reports whether b is a readable zip archive holding an entry
// named name (any entry, or none, when name is empty).
func zipHas(b []byte, name string) bool {
	if !bytes.HasPrefix(b, []byte("PK")) {
		return false
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return false
	}
	if name == "" {
		return true
	}
	for _, f := range zr.File {
		if f.Name == name {
			return true
		}
	}
	return false
}

// plainText accepts UTF-8 text without NUL bytes that a browser would not
// sniff as HTML, XML or a script, and that holds no HTML tag that could
// make it active.
func plainText(b []byte) bool {
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	if !strings.HasPrefix(http.DetectContentType(b), "text/plain") {
		return false
	}
	// Stricter than the sniffer: no markup at the start, and none of the
	// tags that make a page active anywhere.
	t := strings.ToLower(strings.TrimLeft(string(b), "\ufeff \t\r\n\f"))
	if strings.HasPrefix(t, "<") {
		return false
	}
	for _, tag := range []string{"<html", "<script", "<iframe", "<svg", "<object", "<embed", "<body", "<meta"} {
		if strings.Contains(t, tag) {
			return false
		}
	}
	return true
}

// checkAttachment decides whether a file named name with content data may
// be attached, and returns its clean display name and content type. The
// error is safe to show.
func checkAttachment(name string, data []byte, maxSize int64) (cleanName, contentType string, err error) {
	cleanName = cleanFileName(name)
	if cleanName == "" {
		return "", "", fmt.Errorf("파일 이름이 없습니다 (no file name)")
	}
	if int64(len(data)) > maxSize {
		return "", "", fmt.Errorf("%s: 파일이 너무 큽니다 (최대 %d MB) / file too large (max %d MB)", cleanName, maxSize>>20, maxSize>>20)
	}
	if len(data) == 0 {
		return "", "", fmt.Errorf("%s: 빈 파일입니다 (empty file)", cleanName)
	}
	ext := strings.ToLower(path.Ext(cleanName))
	kind, ok := allowedFiles[ext]
	if !ok {
		return "", "", fmt.Errorf("%s: 허용되지 않는 파일 형식입니다 (%s) / file type not allowed", cleanName, allowedExtensions)
	}
	if !kind.check(data) {
		return "", "", fmt.Errorf("%s: 파일 내용이 %s 형식이 아닙니다 / the content is not a %s file", cleanName, ext, ext)
	}
	return cleanName, kind.ContentType, nil
}

// cleanFileName returns the last element of an uploaded file name (browsers
// may send a full Windows path), without control or format characters and
// at most 200 characters long. It is only ever displayed or sent in a
// Content-Disposition header, never used as a path.
func cleanFileName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		return ""
	}
	if utf8.RuneCountInString(name) > 200 {
		r := []rune(name)
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 10 {
			ext = ""
		}
		name = string(r[:200-utf8.RuneCountInString(ext)]) + ext
	}
	return name
}

// contentDisposition returns an attachment disposition for name: an ASCII
// fallback filename and the exact name in RFC 5987 filename* form.
func contentDisposition(name string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || r == ';' {
			return '_'
		}
		return r
	}, name)
	enc := url.PathEscape(name)
	// PathEscape leaves some characters RFC 5987's attr-char excludes.
	enc = strings.NewReplacer("'", "%27", "(", "%28", ")", "%29", "*", "%2A", ",", "%2C", ";", "%3B",
		"=", "%3D", "@", "%40", ":", "%3A", "&", "%26", "+", "%2B", "$", "%24", "/", "%2F").Replace(enc)
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + enc
}

// servedType is the Content-Type a download is sent with: the image's own
// type for PNG and JPEG, application/octet-stream for everything else.
func servedType(contentType string) string {
	switch contentType {
	case "image/png", "image/jpeg":
		return contentType
	}
	return "application/octet-stream"
}
