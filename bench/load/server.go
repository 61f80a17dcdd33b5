package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// serverProc is a gwanmun server started by the driver.
type serverProc struct {
	URL string // http://127.0.0.1:PORT
	cmd *exec.Cmd
	log *os.File
	// exited is closed when the process has ended.
	exited chan struct{}
	err    error
}

// buildServer compiles ./cmd/gwanmun of the module in repo into dir.
func buildServer(ctx context.Context, repo, dir string) (string, error) {
	bin := filepath.Join(dir, "gwanmun")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/gwanmun")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/gwanmun: %w\n%s", err, out)
	}
	return bin, nil
}

// freeLoopbackPort returns a port that was free on 127.0.0.1 a moment ago.
func freeLoopbackPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

var readyURL = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)

// startServer runs bin with args, its output going to logPath, and waits
// up to timeout for a line containing http://127.0.0.1:PORT, the sign that
// it listens.
func startServer(bin string, args []string, logPath string, timeout time.Duration) (*serverProc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	p := &serverProc{cmd: cmd, log: logf, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		pw.Close()
		close(p.exited)
	}()
	found := make(chan string, 1)
	go func() {
		// Copy the output to the log, watching for the ready line.
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var once sync.Once
		for sc.Scan() {
			line := sc.Bytes()
			logf.Write(append(line, '\n'))
			if m := readyURL.Find(line); m != nil {
				once.Do(func() { found <- string(m) })
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case u := <-found:
		p.URL = u
		return p, nil
	case <-p.exited:
		logf.Sync()
		tail, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("server exited before it was ready (%v); output:\n%s", p.err, lastLines(tail, 20))
	case <-time.After(timeout):
		p.Stop()
		return nil, fmt.Errorf("server not ready after %s; see %s", timeout, logPath)
	}
}

// Pid returns the server's process ID.
func (p *serverProc) Pid() int { return p.cmd.Process.Pid }

// Stop asks the server to shut down (SIGINT), killing it after 10 s.
func (p *serverProc) Stop() error {
	select {
	case <-p.exited:
	default:
		p.cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-p.exited
		}
	}
	return p.log.Close()
}

// Exited reports whether the server has ended, with its exit error.
func (p *serverProc) Exited() (bool, error) {
	select {
	case <-p.exited:
		return true, p.err
	default:
		return false, nil
	}
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// memStatus is the memory of a process, from /proc/PID/status, in bytes.
type memStatus struct {
	RSS int64 // VmRSS: resident now
	HWM int64 // VmHWM: peak resident
}

// readMemStatus reads /proc/PID/status.
func readMemStatus(pid int) (memStatus, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memStatus{}, err
	}
	return parseMemStatus(b)
}

// parseMemStatus extracts VmRSS and VmHWM ("VmRSS:\t  12345 kB") from the
// text of /proc/PID/status.
func parseMemStatus(b []byte) (memStatus, error) {
	var m memStatus
	var seen int
	for line := range bytes.Lines(b) {
		name, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(name) {
		case "VmRSS":
			dst = &m.RSS
		case "VmHWM":
			dst = &m.HWM
		default:
			continue
		}
		f := strings.Fields(string(rest))
		if len(f) != 2 || f[1] != "kB" {
			return memStatus{}, fmt.Errorf("/proc status: bad %s line %q", name, bytes.TrimSpace(line))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 || kb > 1<<40 {
			return memStatus{}, fmt.Errorf("/proc status: bad %s value %q", name, f[0])
		}
		*dst = kb * 1024
		seen++
	}
	if seen < 2 {
		return memStatus{}, errors.New("/proc status: no VmRSS and VmHWM lines")
	}
	return m, nil
}

// rssSampler samples a process's resident memory every interval, keeping
// the peak, until stopped.
type rssSampler struct {
	pid  int
	stop chan struct{}
	done chan struct{}
	peak int64
	last memStatus
	err  error
}

func sampleRSS(pid int, interval time.Duration) *rssSampler {
	s := &rssSampler{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			m, err := readMemStatus(pid)
			if err != nil {
				s.err = err
				return
			}
			s.last = m
			s.peak = max(s.peak, m.RSS, m.HWM)
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends the sampling and returns the peak resident memory seen (the
// larger of the sampled VmRSS and the kernel's VmHWM) and the last sample.
func (s *rssSampler) Stop() (peak int64, last memStatus, err error) {
	close(s.stop)
	<-s.done
	return s.peak, s.last, s.err
}
