package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// writeImage writes an image archive (docker save format, which `ctr images import` reads) with
// one layer per --dir, each directory being the root of the image's file system.
func writeImage(args []string) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	ref := fs.String("name", "", "image reference, e.g. batch-test/pause:1")
	out := fs.String("out", "", "archive to write")
	entrypoint := fs.String("entrypoint", "", `entrypoint as a JSON array, e.g. ["/pause"]`)
	user := fs.String("user", "", "user (uid[:gid]) the container runs as")
	workdir := fs.String("workdir", "", "working directory")
	var dirs, env repeated
	fs.Var(&dirs, "dir", "a directory whose tree is one layer (repeatable, lowest first)")
	fs.Var(&env, "env", "KEY=VALUE (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ref == "" || *out == "" || len(dirs) == 0 {
		return fmt.Errorf("image: --name, --out and at least one --dir are needed")
	}
	tag, err := name.NewTag(*ref)
	if err != nil {
		return err
	}
	img := empty.Image
	for _, dir := range dirs {
		data, err := tarTree(dir)
		if err != nil {
			return fmt.Errorf("layer %s: %w", dir, err)
		}
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
		if err != nil {
			return err
		}
		if img, err = mutate.AppendLayers(img, layer); err != nil {
			return err
		}
	}
	cfg := v1.Config{User: *user, WorkingDir: *workdir, Env: env}
	if *entrypoint != "" {
		if err := json.Unmarshal([]byte(*entrypoint), &cfg.Entrypoint); err != nil {
			return fmt.Errorf("--entrypoint: %w", err)
		}
	}
	if img, err = mutate.Config(img, cfg); err != nil {
		return err
	}
	file, err := img.ConfigFile()
	if err != nil {
		return err
	}
	file = file.DeepCopy()
	file.OS, file.Architecture = "linux", "amd64"
	file.Created = v1.Time{Time: time.Unix(0, 0).UTC()}
	if img, err = mutate.ConfigFile(img, file); err != nil {
		return err
	}
	return tarball.WriteToFile(*out, tag, img)
}

// tarTree packs dir as the root of a layer: owned by root, modes and symlinks kept, fixed times
// (the same tree gives the same layer digest).
func tarTree(dir string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == "." {
			return err
		}
		link := ""
		if info.Mode()&os.ModeSymlink != 0 {
			if link, err = os.Readlink(path); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if info.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
		hdr.ModTime, hdr.AccessTime, hdr.ChangeTime = time.Unix(0, 0), time.Time{}, time.Time{}
		hdr.Format = tar.FormatPAX
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(tw, f)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
