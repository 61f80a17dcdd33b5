package web

// Messages of the request edge (body.go, text.go): bodies too large or of
// a kind the route does not take, text that is not valid, merged into the
// catalogue at start-up.
func init() {
	for k, v := range edgeMessages {
		if _, dup := messages[k]; dup {
			panic("web: message key defined twice: " + k)
		}
		messages[k] = v
	}
}

var edgeMessages = map[string]message{
	"edge.too_large": {"보낸 내용이 허용된 크기를 넘습니다. 파일 크기와 개수를 확인하세요.", "What you sent is larger than allowed. Check the size and number of files."},
	"edge.multipart_refused": {"이 주소는 파일 첨부(multipart) 요청을 받지 않습니다.",
		"This address does not accept file uploads (multipart bodies)."},
	"edge.invalid_text": {"입력값에 사용할 수 없는 문자(NUL 문자 또는 잘못된 UTF-8)가 있습니다: %s",
		"The input holds a character that cannot be used (NUL or invalid UTF-8): %s"},
	"edge.bad_multipart": {"첨부 양식을 읽을 수 없습니다. 다시 시도하세요.", "The upload form could not be read. Please try again."},
}
