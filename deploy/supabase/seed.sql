-- Runs once when the demo database is created (supabase/postgres image, migrations): the images table
-- that faiss-shard-builder reads as its catalogue through PostgREST, seeded with the bundled samples.
-- Image URLs may also name objects in a Storage bucket: supabase://<bucket>/<path>.
CREATE TABLE IF NOT EXISTS public.images (
  id bigint PRIMARY KEY,
  image_url text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT ON public.images TO service_role, authenticated, anon;

INSERT INTO public.images (id, image_url) VALUES
  (1, 'file:///app/samples/images/000001-red-circle.jpg'),
  (2, 'file:///app/samples/images/000002-red-square.jpg'),
  (3, 'file:///app/samples/images/000003-red-triangle.jpg'),
  (4, 'file:///app/samples/images/000004-red-star.jpg'),
  (5, 'file:///app/samples/images/000005-red-ring.jpg'),
  (6, 'file:///app/samples/images/000006-red-cross.jpg'),
  (7, 'file:///app/samples/images/000007-red-diamond.jpg'),
  (8, 'file:///app/samples/images/000008-red-bottle.jpg'),
  (9, 'file:///app/samples/images/000009-orange-circle.jpg'),
  (10, 'file:///app/samples/images/000010-orange-square.jpg'),
  (11, 'file:///app/samples/images/000011-orange-triangle.jpg'),
  (12, 'file:///app/samples/images/000012-orange-star.jpg'),
  (13, 'file:///app/samples/images/000013-orange-ring.jpg'),
  (14, 'file:///app/samples/images/000014-orange-cross.jpg'),
  (15, 'file:///app/samples/images/000015-orange-diamond.jpg'),
  (16, 'file:///app/samples/images/000016-orange-bottle.jpg'),
  (17, 'file:///app/samples/images/000017-yellow-circle.jpg'),
  (18, 'file:///app/samples/images/000018-yellow-square.jpg'),
  (19, 'file:///app/samples/images/000019-yellow-triangle.jpg'),
  (20, 'file:///app/samples/images/000020-yellow-star.jpg'),
  (21, 'file:///app/samples/images/000021-yellow-ring.jpg'),
  (22, 'file:///app/samples/images/000022-yellow-cross.jpg'),
  (23, 'file:///app/samples/images/000023-yellow-diamond.jpg'),
  (24, 'file:///app/samples/images/000024-yellow-bottle.jpg'),
  (25, 'file:///app/samples/images/000025-green-circle.jpg'),
  (26, 'file:///app/samples/images/000026-green-square.jpg'),
  (27, 'file:///app/samples/images/000027-green-triangle.jpg'),
  (28, 'file:///app/samples/images/000028-green-star.jpg'),
  (29, 'file:///app/samples/images/000029-green-ring.jpg'),
  (30, 'file:///app/samples/images/000030-green-cross.jpg'),
  (31, 'file:///app/samples/images/000031-green-diamond.jpg'),
  (32, 'file:///app/samples/images/000032-green-bottle.jpg'),
  (33, 'file:///app/samples/images/000033-teal-circle.jpg'),
  (34, 'file:///app/samples/images/000034-teal-square.jpg'),
  (35, 'file:///app/samples/images/000035-teal-triangle.jpg'),
  (36, 'file:///app/samples/images/000036-teal-star.jpg'),
  (37, 'file:///app/samples/images/000037-teal-ring.jpg'),
  (38, 'file:///app/samples/images/000038-teal-cross.jpg'),
  (39, 'file:///app/samples/images/000039-teal-diamond.jpg'),
  (40, 'file:///app/samples/images/000040-teal-bottle.jpg'),
  (41, 'file:///app/samples/images/000041-blue-circle.jpg'),
  (42, 'file:///app/samples/images/000042-blue-square.jpg'),
  (43, 'file:///app/samples/images/000043-blue-triangle.jpg'),
  (44, 'file:///app/samples/images/000044-blue-star.jpg'),
  (45, 'file:///app/samples/images/000045-blue-ring.jpg'),
  (46, 'file:///app/samples/images/000046-blue-cross.jpg'),
  (47, 'file:///app/samples/images/000047-blue-diamond.jpg'),
  (48, 'file:///app/samples/images/000048-blue-bottle.jpg')
ON CONFLICT (id) DO NOTHING;
