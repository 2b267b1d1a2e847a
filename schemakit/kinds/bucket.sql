-- Storage buckets are rows; only read when storage.buckets exists.
SELECT b.id, b.name, b.public, b.file_size_limit, b.allowed_mime_types
FROM storage.buckets b
