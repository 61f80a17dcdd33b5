package web

// Messages of the boards, the systems/roles/menus administration, the
// consent versions and the trust store pages.
func init() {
	for k, v := range boardMessages {
		if _, dup := messages[k]; dup {
			panic("web: message key defined twice: " + k)
		}
		messages[k] = v
	}
}

var boardMessages = map[string]message{
	"board.title":          {"게시판", "Boards"},
	"board.portal_title":   {"공지사항", "Portal notices"},
	"board.kind_notice":    {"공지사항", "Notices"},
	"board.kind_program":   {"프로그램/매뉴얼", "Programs/manuals"},
	"board.forbidden":      {"이 시스템의 권한이 있는 사용자만 게시판을 볼 수 있습니다.", "Only holders of one of this system's permissions can read its boards."},
	"board.not_writer":     {"이 게시판에 글을 쓸 권한이 없습니다.", "You may not write on this board."},
	"board.search_title":   {"제목", "Title"},
	"board.write":          {"글쓰기", "New post"},
	"board.edit":           {"수정", "Edit"},
	"board.delete":         {"삭제", "Delete"},
	"board.delete_confirm": {"이 글을 삭제하시겠습니까?", "Delete this post?"},
	"board.list":           {"목록", "Back to the list"},
	"board.no":             {"번호", "No."},
	"board.post_title":     {"제목", "Title"},
	"board.body":           {"내용", "Text"},
	"board.body_help":      {"일반 텍스트로 표시됩니다 (HTML 불가). 20,000자 이내.", "Shown as plain text (no HTML). Up to 20,000 characters."},
	"board.files":          {"첨부파일", "Attachments"},
	"board.add_files":      {"파일 첨부", "Attach files"},
	"board.files_help":     {"허용 형식과 크기", "Allowed types and size"},
	"board.remove":         {"삭제", "Remove"},
	"board.date":           {"등록일", "Posted"},
	"board.updated":        {"수정", "edited"},
	"board.pinned":         {"공지", "Pinned"},
	"board.pin":            {"목록 맨 위에 고정", "Pin to the top of the list"},
	"board.pages":          {"페이지", "Pages"},
	"board.empty":          {"게시물이 없습니다.", "No posts."},
	"board.save":           {"저장", "Save"},
	"board.cancel":         {"취소", "Cancel"},
	"board.err_title":      {"제목을 입력하세요.", "Enter a title."},
	"board.err_title_long": {"제목은 200자 이내로 입력하세요.", "The title may have up to 200 characters."},
	"board.err_body_long":  {"내용은 20,000자 이내로 입력하세요.", "The text may have up to 20,000 characters."},
	"board.err_encoding":   {"글자 인코딩이 올바르지 않습니다.", "The text is not valid UTF-8."},
	"board.err_too_many":   {"첨부파일이 너무 많습니다.", "Too many attachments."},
	"board.err_too_large":  {"파일이 너무 큽니다.", "The file is too large."},
	"board.err_upload":     {"파일을 읽을 수 없습니다.", "The file could not be read."},
}
