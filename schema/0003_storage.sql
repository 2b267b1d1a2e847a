-- =====================================================
-- Storage Bucket Configuration
-- =====================================================

-- Create user files bucket (private by default)
INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
VALUES (
    'user-files',
    'user-files',
    false,
    52428800, -- 50MB limit per file
    ARRAY['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf', 'text/plain', 'text/csv']
) ON CONFLICT (id) DO NOTHING;

-- =====================================================
-- Storage Security Policies
-- =====================================================

-- Users can upload files to their own folder
DROP POLICY IF EXISTS "Users can upload own files" ON storage.objects;
CREATE POLICY "Users can upload own files" ON storage.objects
    FOR INSERT WITH CHECK (
        bucket_id = 'user-files' AND
        auth.uid()::text = (storage.foldername(name))[1]
    );

-- Users can read files from their own folder
DROP POLICY IF EXISTS "Users can read own files" ON storage.objects;
CREATE POLICY "Users can read own files" ON storage.objects
    FOR SELECT USING (
        bucket_id = 'user-files' AND
        auth.uid()::text = (storage.foldername(name))[1]
    );

-- Users can update files in their own folder
DROP POLICY IF EXISTS "Users can update own files" ON storage.objects;
CREATE POLICY "Users can update own files" ON storage.objects
    FOR UPDATE USING (
        bucket_id = 'user-files' AND
        auth.uid()::text = (storage.foldername(name))[1]
    );

-- Users can delete files from their own folder
DROP POLICY IF EXISTS "Users can delete own files" ON storage.objects;
CREATE POLICY "Users can delete own files" ON storage.objects
    FOR DELETE USING (
        bucket_id = 'user-files' AND
        auth.uid()::text = (storage.foldername(name))[1]
    );

-- Service role can manage all files (for admin operations, cleanup)
DROP POLICY IF EXISTS "Service role can manage all files" ON storage.objects;
CREATE POLICY "Service role can manage all files" ON storage.objects
    FOR ALL USING (current_setting('request.jwt.claims', true)::json->>'role' = 'service_role');
