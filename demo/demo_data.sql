-- Opora demo data: `opora demo-data` runs this script in one transaction on a
-- migrated database (schema: migrations/).
--
-- Idempotent: every INSERT is guarded by the row's natural key (codes for
-- regions, municipalities and schools; (school, category, school_year) for
-- statuses, (school, full_name) for curators, (school, partner school) for
-- partnerships), so a second run inserts nothing, updates nothing and does
-- not even draw identity values. Plain SQL only (run with PQexec).
--
-- What comes from where (seeds: /work/shared/seeds/):
--   seed 000  Ковровский район, Владимирская область. Приказ управления
--             образования администрации Ковровского района от 30.12.2020
--             № 653-осн: муниципальная программа для ШНОР и ШНСУ на 2021-2023
--             годы; its participants (основные исполнители) are the four
--             schools below, and the statuses cite that order. Programme item
--             5.2 (договоры о сетевом партнёрстве со школами со стабильно
--             высокими результатами, март 2021) and 5.1 (практики
--             наставничества) are the basis of the partnerships; the two
--             partner schools (Мелеховская СОШ № 1 им. И.П. Монахова,
--             Малыгинская СОШ) are real schools of the district named on a
--             district news page, not in the seed, and the pairings are
--             illustrative.
--   seed 001  Ливенский район, Орловская область. Приказ управления
--             образования администрации Ливенского района от 16.02.2023 № 36
--             (муниципальная программа адресного сопровождения ОО,
--             функционирующих в условиях риска образовательных результатов,
--             на 2022-2023 гг.); муниципальный координатор Калашникова И.Н.
--             The seed names no school: the order is attached to three
--             generated (gen-*) schools of the district.
--   seed 002  Кушвинский городской округ, Свердловская область. Приказ
--             Управления образования Кушвинского ГО от 31.01.2020 № 34 (план
--             мероприятий по поддержке ШНОР и ШНСУ). The seed gives 7
--             муниципальных автономных общеобразовательных организаций,
--             4 742 обучающихся, 277 of them with special needs: the seven
--             schools below add up to exactly those totals. The seed does not
--             name them; schools № 1, 6, 10 and 20 (пос. Баранчинский) are
--             named in local news, № 3, 4 and 5 are illustrative, and which of
--             them carry a status is illustrative too.
--   seed 003  Боровский район, Калужская область. Приказ отдела образования
--             от 30.11.2020 № 625 (план сопровождения ШНОР и ШНСУ) and its
--             working group: Васильева Т.Д. and Лузгачева З.А. (заместители
--             заведующего отделом образования, who assign municipal
--             coordinators to schools), Александрова Г.И. (заместитель
--             директора МОУ «СОШ № 4 г. Балабаново»). The only school named is
--             МОУ «СОШ № 4 г. Балабаново»; the ШНОР schools are generated.
--   seed 004  МКОУ СОШ с.п. Красноармейское, Терский муниципальный район,
--             Кабардино-Балкарская Республика: its ШНОР development programme
--             for 2023-2024 (start 01.09.2023).
--   generated 300 schools (codes gen-000001 .. gen-000300) spread over the
--             real districts above (not Кушва: the seed says it has exactly
--             seven schools) and ten more municipalities of the same regions,
--             plus their 2024 statuses (~10 % ШНОР, ~5 % ШНСУ, a few группы
--             риска and closed 2023 ШНОР rows) and partnerships with stronger
--             schools of the same municipality. Names, heads and counts of
--             generated schools are fictional (village schools are named after
--             a village from a fixed list; in Kabardino-Balkaria, like the
--             seed's school, after a real settlement of the district: «СОШ № n»
--             с.п. ...); e-mails use example.org. The generated municipalities
--             are real municipalities of those regions.
-- School codes are made up (edu<region><district><nn> for the named schools);
-- they are not INNs or ФИС ОКО logins.

------------------------------------------------------------------------------
-- Regions (subject codes)
------------------------------------------------------------------------------
INSERT INTO regions (code, name)
SELECT v.code, v.name
FROM (VALUES
  ('33', 'Владимирская область'),
  ('57', 'Орловская область'),
  ('66', 'Свердловская область'),
  ('40', 'Калужская область'),
  ('07', 'Кабардино-Балкарская Республика')
) AS v (code, name)
WHERE NOT EXISTS (SELECT 1 FROM regions r WHERE r.code = v.code)
ON CONFLICT (code) DO NOTHING;

------------------------------------------------------------------------------
-- Municipalities: the five of the seeds, then ten more of the same regions
-- that only hold generated schools.
------------------------------------------------------------------------------
INSERT INTO municipalities (region_id, code, name, kind)
SELECT r.id, v.code, v.name, v.kind
FROM (VALUES
  ('33', '33-kovrov-r',          'Ковровский район',                   'MUNICIPAL_DISTRICT'),
  ('57', '57-livny-r',           'Ливенский район',                    'MUNICIPAL_DISTRICT'),
  ('66', '66-kushva-go',         'Кушвинский городской округ',         'CITY_OKRUG'),
  ('40', '40-borovsk-r',         'Боровский район',                    'MUNICIPAL_DISTRICT'),
  ('07', '07-terek-r',           'Терский муниципальный район',        'MUNICIPAL_DISTRICT'),
  ('33', '33-kovrov-go',         'город Ковров',                       'CITY_OKRUG'),
  ('33', '33-vyazniki-r',        'Вязниковский район',                 'MUNICIPAL_DISTRICT'),
  ('33', '33-gorokhovets-r',     'Гороховецкий район',                 'MUNICIPAL_DISTRICT'),
  ('57', '57-livny-go',          'город Ливны',                        'CITY_OKRUG'),
  ('57', '57-mtsensk-r',         'Мценский район',                     'MUNICIPAL_DISTRICT'),
  ('66', '66-krasnouralsk-go',   'городской округ Красноуральск',      'CITY_OKRUG'),
  ('66', '66-nizhnyaya-salda-go','городской округ Нижняя Салда',       'CITY_OKRUG'),
  ('40', '40-maloyaroslavets-r', 'Малоярославецкий район',             'MUNICIPAL_DISTRICT'),
  ('40', '40-zhukov-r',          'Жуковский район',                    'MUNICIPAL_DISTRICT'),
  ('07', '07-baksan-r',          'Баксанский муниципальный район',     'MUNICIPAL_DISTRICT'),
  ('07', '07-urvan-r',           'Урванский муниципальный район',      'MUNICIPAL_DISTRICT')
) AS v (region_code, code, name, kind)
JOIN regions r ON r.code = v.region_code
WHERE NOT EXISTS (SELECT 1 FROM municipalities m WHERE m.code = v.code)
ON CONFLICT (code) DO NOTHING;

------------------------------------------------------------------------------
-- Schools named in the seeds (and the two Kovrov district partner schools).
-- No head names: the seeds name none of the schools' heads.
------------------------------------------------------------------------------
INSERT INTO schools (municipality_id, code, full_name, short_name, type, locality,
                     address, students_count, students_disabled_count, teachers_count)
SELECT m.id, v.code, v.full_name, v.short_name, v.type, v.locality,
       v.address, v.students, v.disabled, v.teachers
FROM (VALUES
  -- seed 000: participants of the programme under order № 653-осн of 30.12.2020
  ('33-kovrov-r', 'edu330101',
   'Муниципальное бюджетное общеобразовательное учреждение «Мелеховская основная общеобразовательная школа № 2 имени С.Г. Симонова»',
   'МБОУ «Мелеховская ООШ №2 им. С.Г. Симонова»', 'OOSH', 'URBAN',
   'Владимирская обл., Ковровский р-н, пос. Мелехово', 184, 14, 19),
  ('33-kovrov-r', 'edu330102',
   'Муниципальное бюджетное общеобразовательное учреждение «Иваново-Эсинская средняя общеобразовательная школа»',
   'МБОУ «Иваново-Эсинская СОШ»', 'SOSH', 'RURAL',
   'Владимирская обл., Ковровский р-н, с. Иваново', 163, 9, 19),
  ('33-kovrov-r', 'edu330103',
   'Муниципальное бюджетное общеобразовательное учреждение «Осиповская средняя общеобразовательная школа имени Т.Ф. Осиповского»',
   'МБОУ «Осиповская СОШ им. Т.Ф. Осиповского»', 'SOSH', 'RURAL',
   'Владимирская обл., Ковровский р-н, с. Осипово', 121, 7, 16),
  ('33-kovrov-r', 'edu330104',
   'Муниципальное бюджетное общеобразовательное учреждение «Краснооктябрьская средняя общеобразовательная школа»',
   'МБОУ «Краснооктябрьская СОШ»', 'SOSH', 'RURAL',
   'Владимирская обл., Ковровский р-н, пос. Красный Октябрь', 212, 12, 22),
  -- Kovrov district schools with stable results (partners; not in the seed)
  ('33-kovrov-r', 'edu330105',
   'Муниципальное бюджетное общеобразовательное учреждение «Мелеховская средняя общеобразовательная школа № 1 имени И.П. Монахова»',
   'МБОУ «Мелеховская СОШ №1 им. И.П. Монахова»', 'SOSH', 'URBAN',
   'Владимирская обл., Ковровский р-н, пос. Мелехово', 826, 31, 52),
  ('33-kovrov-r', 'edu330106',
   'Муниципальное бюджетное общеобразовательное учреждение «Малыгинская средняя общеобразовательная школа»',
   'МБОУ «Малыгинская СОШ»', 'SOSH', 'RURAL',
   'Владимирская обл., Ковровский р-н, пос. Малыгино', 384, 15, 30),
  -- seed 002: the seven municipal autonomous schools of Kushva (4 742 pupils, 277 with special needs)
  ('66-kushva-go', 'edu660101',
   'Муниципальное автономное общеобразовательное учреждение «Средняя общеобразовательная школа № 1»',
   'МАОУ «СОШ № 1»', 'SOSH', 'URBAN', 'Свердловская обл., г. Кушва', 1010, 52, 62),
  ('66-kushva-go', 'edu660102',
   'Муниципальное автономное общеобразовательное учреждение «Средняя общеобразовательная школа № 3»',
   'МАОУ «СОШ № 3»', 'SOSH', 'URBAN', 'Свердловская обл., г. Кушва', 540, 35, 36),
  ('66-kushva-go', 'edu660103',
   'Муниципальное автономное общеобразовательное учреждение «Основная общеобразовательная школа № 4»',
   'МАОУ «ООШ № 4»', 'OOSH', 'URBAN', 'Свердловская обл., г. Кушва', 260, 28, 22),
  ('66-kushva-go', 'edu660104',
   'Муниципальное автономное общеобразовательное учреждение «Средняя общеобразовательная школа № 5»',
   'МАОУ «СОШ № 5»', 'SOSH', 'URBAN', 'Свердловская обл., г. Кушва', 480, 30, 33),
  ('66-kushva-go', 'edu660105',
   'Муниципальное автономное общеобразовательное учреждение «Средняя общеобразовательная школа № 6»',
   'МАОУ «СОШ № 6»', 'SOSH', 'URBAN', 'Свердловская обл., г. Кушва', 820, 46, 51),
  ('66-kushva-go', 'edu660106',
   'Муниципальное автономное общеобразовательное учреждение «Средняя общеобразовательная школа № 10»',
   'МАОУ «СОШ № 10»', 'SOSH', 'URBAN', 'Свердловская обл., г. Кушва', 780, 40, 49),
  ('66-kushva-go', 'edu660107',
   'Муниципальное автономное общеобразовательное учреждение «Средняя общеобразовательная школа № 20»',
   'МАОУ «СОШ № 20»', 'SOSH', 'RURAL', 'Свердловская обл., Кушвинский городской округ, пос. Баранчинский', 852, 46, 54),
  -- seed 003: the Borovsk district school named in the working group
  ('40-borovsk-r', 'edu400101',
   'Муниципальное общеобразовательное учреждение «Средняя общеобразовательная школа № 4 г. Балабаново»',
   'МОУ «СОШ № 4 г. Балабаново»', 'SOSH', 'URBAN',
   'Калужская обл., Боровский р-н, г. Балабаново', 948, 30, 58),
  -- seed 004
  ('07-terek-r', 'edu070101',
   'Муниципальное казённое общеобразовательное учреждение «Средняя общеобразовательная школа сельского поселения Красноармейское» Терского муниципального района Кабардино-Балкарской Республики',
   'МКОУ СОШ с.п. Красноармейское', 'SOSH', 'RURAL',
   'Кабардино-Балкарская Респ., Терский р-н, с. Красноармейское', 312, 9, 28)
) AS v (municipality_code, code, full_name, short_name, type, locality, address,
        students, disabled, teachers)
JOIN municipalities m ON m.code = v.municipality_code
WHERE NOT EXISTS (SELECT 1 FROM schools s WHERE s.code = v.code)
ON CONFLICT (code) DO NOTHING;

------------------------------------------------------------------------------
-- Generated schools: 300 rows, gen-000001 .. gen-000300. Each municipality
-- gets `cnt` schools, interleaved so that consecutive codes fall in different
-- municipalities; locality, type, names and counts are pure functions of the
-- school's position, so every run computes the same rows.
------------------------------------------------------------------------------
INSERT INTO schools (municipality_id, code, full_name, short_name, type, locality,
                     address, head_name, email, students_count,
                     students_disabled_count, teachers_count)
WITH
m (code, ord, cnt, urban_pct, addr, town, form_short, form_full, kbr) AS (VALUES
  ('33-kovrov-r',           1, 16,   0, 'Владимирская обл., Ковровский р-н',            NULL,               'МБОУ', 'Муниципальное бюджетное общеобразовательное учреждение', NULL::text[]),
  ('57-livny-r',            2, 18,   0, 'Орловская обл., Ливенский р-н',                NULL,               'МБОУ', 'Муниципальное бюджетное общеобразовательное учреждение', NULL::text[]),
  ('40-borovsk-r',          3, 20,  30, 'Калужская обл., Боровский р-н',                'г. Боровск',       'МОУ',  'Муниципальное общеобразовательное учреждение', NULL::text[]),
  ('07-terek-r',            4, 16,  30, 'Кабардино-Балкарская Респ., Терский р-н',      'г. Терек',         'МКОУ', 'Муниципальное казённое общеобразовательное учреждение', ARRAY['Арик','Белоглинское','Верхний Акбаш','Дейское','Джулат','Инаркой','Новая Балкария','Нижний Акбаш','Плановское','Терекское','Урожайное','Хамидие','Тамбовское']),
  ('33-kovrov-go',          5, 32, 100, 'Владимирская обл.',                            'г. Ковров',        'МБОУ', 'Муниципальное бюджетное общеобразовательное учреждение', NULL::text[]),
  ('33-vyazniki-r',         6, 24,  40, 'Владимирская обл., Вязниковский р-н',          'г. Вязники',       'МБОУ', 'Муниципальное бюджетное общеобразовательное учреждение', NULL::text[]),
  ('33-gorokhovets-r',      7, 12,  30, 'Владимирская обл., Гороховецкий р-н',          'г. Гороховец',     'МБОУ', 'Муниципальное бюджетное общеобразовательное учреждение', NULL::text[]),
  ('57-livny-go',           8, 22, 100, 'Орловская обл.',                               'г. Ливны',         'МБОУ', 'Муниципальное бюджетное общеобразовательное учреждение', NULL::text[]),
  ('57-mtsensk-r',          9, 16,   0, 'Орловская обл., Мценский р-н',                 NULL,               'МБОУ', 'Муниципальное бюджетное общеобразовательное учреждение', NULL::text[]),
  ('66-krasnouralsk-go',   10, 12,  85, 'Свердловская обл.',                            'г. Красноуральск', 'МАОУ', 'Муниципальное автономное общеобразовательное учреждение', NULL::text[]),
  ('66-nizhnyaya-salda-go',11, 10,  80, 'Свердловская обл.',                            'г. Нижняя Салда',  'МАОУ', 'Муниципальное автономное общеобразовательное учреждение', NULL::text[]),
  ('40-maloyaroslavets-r', 12, 24,  35, 'Калужская обл., Малоярославецкий р-н',         'г. Малоярославец', 'МОУ',  'Муниципальное общеобразовательное учреждение', NULL::text[]),
  ('40-zhukov-r',          13, 22,  40, 'Калужская обл., Жуковский р-н',                'г. Жуков',         'МОУ',  'Муниципальное общеобразовательное учреждение', NULL::text[]),
  ('07-baksan-r',          14, 30,   0, 'Кабардино-Балкарская Респ., Баксанский р-н',   NULL,               'МКОУ', 'Муниципальное казённое общеобразовательное учреждение', ARRAY['Атажукино','Баксаненок','Дыгулыбгей','Жанхотеко','Заюково','Исламей','Кишпек','Кременчуг-Константиновское','Куба','Куба-Таба','Нижний Куркужин','Верхний Куркужин','Псычох']),
  ('07-urvan-r',           15, 26,  35, 'Кабардино-Балкарская Респ., Урванский р-н',    'г. Нарткала',      'МКОУ', 'Муниципальное казённое общеобразовательное учреждение', ARRAY['Старый Черек','Нижний Черек','Псыгансу','Псынабо','Урвань','Шитхала','Герменчик','Кахун'])
),
words AS (
  SELECT
    ARRAY['Никольское','Покровское','Ивановка','Берёзовка','Александровка',
          'Михайловка','Сосновка','Петровское','Воскресенское','Троицкое',
          'Знаменка','Успенское','Богородское','Каменка','Дубровка',
          'Ольховка','Луговое','Заречье','Горки','Высоково',
          'Спасское','Ильинское','Новосёлки','Борки','Рождествено',
          'Архангельское','Введенское','Степановка','Дмитриевка','Васильевка',
          'Глебово','Озёрки','Липовка','Ключи','Рябиновка',
          'Полянки','Студенец','Малиновка','Вишнёвка','Садовое'] AS village,
    ARRAY['Никольская','Покровская','Ивановская','Берёзовская','Александровская',
          'Михайловская','Сосновская','Петровская','Воскресенская','Троицкая',
          'Знаменская','Успенская','Богородская','Каменская','Дубровская',
          'Ольховская','Луговская','Зареченская','Горковская','Высоковская',
          'Спасская','Ильинская','Новосёлковская','Борковская','Рождественская',
          'Архангельская','Введенская','Степановская','Дмитриевская','Васильевская',
          'Глебовская','Озёрковская','Липовская','Ключевская','Рябиновская',
          'Полянская','Студенецкая','Малиновская','Вишнёвская','Садовская'] AS adj,
    ARRAY['Ленина','Советская','Мира','Школьная','Пушкина',
          'Гагарина','Молодёжная','Комсомольская','Октябрьская','Первомайская'] AS street,
    ARRAY['Смирнова Е.П.','Кузнецов А.В.','Попова Н.И.','Васильева О.А.','Соколов И.Н.',
          'Михайлова Т.С.','Новикова Л.В.','Фёдоров С.М.','Морозова И.Г.','Волкова Г.Н.',
          'Алексеева М.Ю.','Лебедев В.П.','Семёнова Ю.А.','Егорова Н.В.','Павлов Д.С.',
          'Козлова Е.В.','Степанова Т.А.','Николаев О.В.','Орлова С.Н.','Андреева Л.М.',
          'Макарова В.И.','Никитин Р.А.','Захарова А.С.','Зайцева Е.Н.','Соловьёв К.В.',
          'Борисова Г.П.','Яковлева Н.А.','Григорьев П.Е.','Романова И.В.','Белова О.Н.'] AS head
),
slots AS (
  SELECT m.*, k
  FROM m, generate_series(0, m.cnt - 1) AS k
),
numbered AS (
  SELECT s.*, row_number() OVER (ORDER BY (k + 0.5) / cnt, ord) AS i
  FROM slots s
),
located AS (
  SELECT n.*,
         CASE WHEN (k * 61 + 17) % cnt < round(cnt * urban_pct / 100.0)
              THEN 'URBAN' ELSE 'RURAL' END AS locality,
         (i * 53 + 29) % 100 AS p,
         (i * 37 + 7) % 100 AS q
  FROM numbered n
),
typed AS (
  SELECT l.*,
         CASE WHEN locality = 'URBAN' THEN
                CASE WHEN p < 62 THEN 'SOSH'      WHEN p < 70 THEN 'GYMNASIUM'
                     WHEN p < 76 THEN 'LYCEUM'    WHEN p < 84 THEN 'OOSH'
                     WHEN p < 88 THEN 'EDUCATION_CENTER'
                     WHEN p < 92 THEN 'BOARDING'  WHEN p < 95 THEN 'NOSH'
                     ELSE 'OTHER' END
              ELSE
                CASE WHEN p < 55 THEN 'SOSH'      WHEN p < 85 THEN 'OOSH'
                     WHEN p < 94 THEN 'NOSH'      WHEN p < 97 THEN 'BOARDING'
                     ELSE 'EDUCATION_CENTER' END
         END AS type
  FROM located l
),
ranked AS (
  SELECT t.*,
         -- town schools: gymnasiums, lyceums and centres have their own numbers
         row_number() OVER (PARTITION BY code, locality,
                                         CASE WHEN type IN ('GYMNASIUM', 'LYCEUM', 'EDUCATION_CENTER')
                                              THEN type ELSE 'SCHOOL' END
                            ORDER BY i) AS num,
         -- village schools: one village each within a municipality
         row_number() OVER (PARTITION BY code, locality ORDER BY i) AS rank_loc
  FROM typed t
),
named AS (
  SELECT r.*,
         -- Kabardino-Balkaria: schools are named after the rural settlement
         -- (с.п.) and numbered within it, like the seed's МКОУ СОШ с.п.
         -- Красноармейское; elsewhere after a village, one school per village.
         CASE WHEN kbr IS NULL THEN w.village[((rank_loc - 1 + ord * 7) % 40) + 1]
              ELSE kbr[((rank_loc - 1) % cardinality(kbr)) + 1] END AS village,
         (rank_loc - 1) / coalesce(cardinality(kbr), 1000) + 1 AS village_num,
         w.adj[((rank_loc - 1 + ord * 7) % 40) + 1] AS adj,
         w.street[(i * 7) % 10 + 1] AS street,
         w.head[(i * 17) % 30 + 1] AS head,
         CASE WHEN locality = 'URBAN' THEN
                CASE type
                  WHEN 'SOSH'             THEN 450 + q * 8
                  WHEN 'GYMNASIUM'        THEN 520 + q * 6
                  WHEN 'LYCEUM'           THEN 480 + q * 6
                  WHEN 'OOSH'             THEN 150 + q * 2
                  WHEN 'NOSH'             THEN 120 + q * 2
                  WHEN 'BOARDING'         THEN  90 + q
                  WHEN 'EDUCATION_CENTER' THEN 600 + q * 7
                  ELSE 60 + q END
              ELSE
                CASE type
                  WHEN 'SOSH'             THEN  70 + q * 3
                  WHEN 'OOSH'             THEN  18 + q
                  WHEN 'NOSH'             THEN   6 + q / 3
                  WHEN 'BOARDING'         THEN  60 + q * 2
                  ELSE 150 + q * 3 END
         END AS students
  FROM ranked r, words w
),
built AS (
  SELECT n.*,
         'gen-' || lpad(i::text, 6, '0') AS school_code,
         CASE WHEN locality = 'URBAN' THEN
                CASE type
                  WHEN 'SOSH'             THEN 'Средняя общеобразовательная школа № ' || num
                  WHEN 'GYMNASIUM'        THEN 'Гимназия № ' || num
                  WHEN 'LYCEUM'           THEN 'Лицей № ' || num
                  WHEN 'OOSH'             THEN 'Основная общеобразовательная школа № ' || num
                  WHEN 'NOSH'             THEN 'Начальная общеобразовательная школа № ' || num
                  WHEN 'BOARDING'         THEN 'Общеобразовательная школа-интернат № ' || num
                  WHEN 'EDUCATION_CENTER' THEN 'Центр образования № ' || num
                  ELSE 'Вечерняя (сменная) общеобразовательная школа № ' || num END
              WHEN kbr IS NOT NULL THEN
                CASE type
                  WHEN 'SOSH'     THEN 'Средняя общеобразовательная школа № ' || village_num
                  WHEN 'OOSH'     THEN 'Основная общеобразовательная школа № ' || village_num
                  WHEN 'NOSH'     THEN 'Начальная общеобразовательная школа № ' || village_num
                  WHEN 'BOARDING' THEN 'Общеобразовательная школа-интернат № ' || village_num
                  ELSE 'Центр образования № ' || village_num END
              ELSE
                CASE type
                  WHEN 'SOSH'     THEN adj || ' средняя общеобразовательная школа'
                  WHEN 'OOSH'     THEN adj || ' основная общеобразовательная школа'
                  WHEN 'NOSH'     THEN adj || ' начальная общеобразовательная школа'
                  WHEN 'BOARDING' THEN adj || ' общеобразовательная школа-интернат'
                  ELSE 'Центр образования с. ' || village END
         END AS long_title,
         CASE WHEN locality = 'URBAN' THEN
                CASE type
                  WHEN 'SOSH'             THEN 'СОШ № ' || num
                  WHEN 'GYMNASIUM'        THEN 'Гимназия № ' || num
                  WHEN 'LYCEUM'           THEN 'Лицей № ' || num
                  WHEN 'OOSH'             THEN 'ООШ № ' || num
                  WHEN 'NOSH'             THEN 'НОШ № ' || num
                  WHEN 'BOARDING'         THEN 'Школа-интернат № ' || num
                  WHEN 'EDUCATION_CENTER' THEN 'Центр образования № ' || num
                  ELSE 'В(С)ОШ № ' || num END
              WHEN kbr IS NOT NULL THEN
                CASE type
                  WHEN 'SOSH'     THEN 'СОШ № ' || village_num
                  WHEN 'OOSH'     THEN 'ООШ № ' || village_num
                  WHEN 'NOSH'     THEN 'НОШ № ' || village_num
                  WHEN 'BOARDING' THEN 'Школа-интернат № ' || village_num
                  ELSE 'Центр образования № ' || village_num END
              ELSE
                CASE type
                  WHEN 'SOSH'     THEN adj || ' СОШ'
                  WHEN 'OOSH'     THEN adj || ' ООШ'
                  WHEN 'NOSH'     THEN adj || ' НОШ'
                  WHEN 'BOARDING' THEN adj || ' школа-интернат'
                  ELSE 'Центр образования с. ' || village END
         END AS short_title
  FROM named n
)
SELECT mu.id,
       b.school_code,
       b.form_full || ' «' || b.long_title || '»'
         || CASE WHEN b.locality = 'URBAN' THEN ' ' || b.town
                 WHEN b.kbr IS NOT NULL THEN ' сельского поселения ' || b.village
                 ELSE '' END,
       b.form_short || ' «' || b.short_title || '»'
         || CASE WHEN b.locality = 'RURAL' AND b.kbr IS NOT NULL THEN ' с.п. ' || b.village ELSE '' END,
       b.type,
       b.locality,
       CASE WHEN b.locality = 'URBAN'
            THEN b.addr || ', ' || b.town || ', ул. ' || b.street || ', д. ' || (1 + (b.i * 11) % 60)
            ELSE b.addr || ', с. ' || b.village END,
       b.head,
       b.school_code || '@schools.example.org',
       b.students,
       b.students * (2 + (b.i * 13) % 7) / 100,
       greatest(5 + b.students / 30, b.students / 16 + 2 + b.i % 5)
FROM built b
JOIN municipalities mu ON mu.code = b.code
WHERE NOT EXISTS (SELECT 1 FROM schools s WHERE s.code = b.school_code)
ORDER BY b.i
ON CONFLICT (code) DO NOTHING;

------------------------------------------------------------------------------
-- Support statuses from the seeds. A row is inserted only when the school has
-- no status of that category for that school year yet (open or closed).
------------------------------------------------------------------------------
INSERT INTO school_statuses (school_id, category, school_year, basis, included_on,
                             excluded_on, exclusion_reason)
SELECT s.id, v.category, v.school_year, v.basis, v.included_on::date,
       v.excluded_on::date, v.exclusion_reason
FROM (VALUES
  -- seed 000: Ковровский район, programme 2021-2023 under order № 653-осн
  ('edu330101', 'SHNOR', 2020,
   'приказ управления образования администрации Ковровского района от 30.12.2020 № 653-осн «Об утверждении муниципальной программы повышения качества образования в школах с низкими результатами обучения и в школах, функционирующих в неблагоприятных социальных условиях»',
   '2020-12-30', NULL, NULL),
  ('edu330101', 'SHNOR', 2021,
   'приказ управления образования администрации Ковровского района от 30.12.2020 № 653-осн «Об утверждении муниципальной программы повышения качества образования в школах с низкими результатами обучения и в школах, функционирующих в неблагоприятных социальных условиях»',
   '2021-09-01', NULL, NULL),
  ('edu330102', 'SHNOR', 2020,
   'приказ управления образования администрации Ковровского района от 30.12.2020 № 653-осн «Об утверждении муниципальной программы повышения качества образования в школах с низкими результатами обучения и в школах, функционирующих в неблагоприятных социальных условиях»',
   '2020-12-30', '2021-08-31', 'переход в эффективный режим'),
  ('edu330103', 'SHNSU', 2020,
   'приказ управления образования администрации Ковровского района от 30.12.2020 № 653-осн «Об утверждении муниципальной программы повышения качества образования в школах с низкими результатами обучения и в школах, функционирующих в неблагоприятных социальных условиях»',
   '2020-12-30', NULL, NULL),
  ('edu330103', 'SHNSU', 2021,
   'приказ управления образования администрации Ковровского района от 30.12.2020 № 653-осн «Об утверждении муниципальной программы повышения качества образования в школах с низкими результатами обучения и в школах, функционирующих в неблагоприятных социальных условиях»',
   '2021-09-01', NULL, NULL),
  ('edu330104', 'SHNOR', 2020,
   'приказ управления образования администрации Ковровского района от 30.12.2020 № 653-осн «Об утверждении муниципальной программы повышения качества образования в школах с низкими результатами обучения и в школах, функционирующих в неблагоприятных социальных условиях»',
   '2020-12-30', '2021-08-31', 'переход в эффективный режим'),
  ('edu330104', 'RISK_GROUP', 2021,
   'приказ управления образования администрации Ковровского района от 30.12.2020 № 653-осн «Об утверждении муниципальной программы повышения качества образования в школах с низкими результатами обучения и в школах, функционирующих в неблагоприятных социальных условиях»',
   '2021-09-01', NULL, NULL),
  -- seed 001: Ливенский район, order № 36 of 16.02.2023 (generated schools)
  ('gen-000009', 'SHNOR', 2022,
   'приказ управления образования администрации Ливенского района Орловской области от 16.02.2023 № 36 «Об утверждении муниципальной программы адресного сопровождения образовательных организаций, функционирующих в условиях риска образовательных результатов»',
   '2023-02-16', NULL, NULL),
  ('gen-000025', 'SHNOR', 2022,
   'приказ управления образования администрации Ливенского района Орловской области от 16.02.2023 № 36 «Об утверждении муниципальной программы адресного сопровождения образовательных организаций, функционирующих в условиях риска образовательных результатов»',
   '2023-02-16', '2023-12-31', 'переход в эффективный режим'),
  ('gen-000041', 'RISK_GROUP', 2022,
   'приказ управления образования администрации Ливенского района Орловской области от 16.02.2023 № 36 «Об утверждении муниципальной программы адресного сопровождения образовательных организаций, функционирующих в условиях риска образовательных результатов»',
   '2023-02-16', NULL, NULL),
  -- seed 002: Кушвинский ГО, order № 34 of 31.01.2020 (which schools: illustrative)
  ('edu660104', 'SHNOR', 2019,
   'приказ Управления образования Кушвинского городского округа от 31.01.2020 № 34 «Об утверждении Плана мероприятий по поддержке школ с низкими результатами обучения и школ, функционирующих в неблагоприятных социальных условиях»',
   '2020-01-31', '2021-08-31', 'переход в эффективный режим'),
  ('edu660103', 'SHNSU', 2019,
   'приказ Управления образования Кушвинского городского округа от 31.01.2020 № 34 «Об утверждении Плана мероприятий по поддержке школ с низкими результатами обучения и школ, функционирующих в неблагоприятных социальных условиях»',
   '2020-01-31', NULL, NULL),
  -- seed 003: Боровский район, order № 625 of 30.11.2020 (generated schools)
  ('gen-000008', 'SHNOR', 2020,
   'приказ отдела образования администрации муниципального района «Боровский район» от 30.11.2020 № 625 «Об утверждении Плана по сопровождению школ, демонстрирующих низкие образовательные результаты (ШНОР), и школ, работающих в неблагоприятных социальных условиях (ШНСУ)»',
   '2020-11-30', NULL, NULL),
  ('gen-000219', 'SHNOR', 2020,
   'приказ отдела образования администрации муниципального района «Боровский район» от 30.11.2020 № 625 «Об утверждении Плана по сопровождению школ, демонстрирующих низкие образовательные результаты (ШНОР), и школ, работающих в неблагоприятных социальных условиях (ШНСУ)»',
   '2020-11-30', '2021-08-31', 'переход в эффективный режим'),
  -- seed 004: МКОУ СОШ с.п. Красноармейское, programme 2023-2024 from 01.09.2023
  ('edu070101', 'SHNOR', 2023,
   'Программа (концепция) развития школы с низкими образовательными результатами на 2023-2024 гг. МКОУ СОШ с.п. Красноармейское (учредитель — Управление образованием Терского муниципального района Кабардино-Балкарской Республики)',
   '2023-09-01', NULL, NULL),
  ('edu070101', 'SHNOR', 2024,
   'Программа (концепция) развития школы с низкими образовательными результатами на 2023-2024 гг. МКОУ СОШ с.п. Красноармейское (учредитель — Управление образованием Терского муниципального района Кабардино-Балкарской Республики)',
   '2024-09-01', NULL, NULL)
) AS v (school_code, category, school_year, basis, included_on, excluded_on, exclusion_reason)
JOIN schools s ON s.code = v.school_code
WHERE NOT EXISTS (
  SELECT 1 FROM school_statuses st
  WHERE st.school_id = s.id AND st.category = v.category AND st.school_year = v.school_year);

------------------------------------------------------------------------------
-- Statuses of generated schools: b = (n * 7) % 100 for gen-<n> walks 0..99
-- once per hundred schools. Ordinary schools only (not gymnasiums, lyceums,
-- education centres):
--   b  0..11  ШНОР 2024          b 12..17  ШНСУ 2024
--   b 18..21  группа риска 2024  b 22..25  ШНОР 2023, closed at the end of the
--                                          year: переход в эффективный режим
------------------------------------------------------------------------------
INSERT INTO school_statuses (school_id, category, school_year, basis, included_on,
                             excluded_on, exclusion_reason)
WITH orders (municipality_code, order_no) AS (VALUES
  ('33-kovrov-r', 112), ('57-livny-r', 87), ('40-borovsk-r', 301), ('07-terek-r', 145),
  ('33-kovrov-go', 214), ('33-vyazniki-r', 96), ('33-gorokhovets-r', 58),
  ('57-livny-go', 173), ('57-mtsensk-r', 64), ('66-krasnouralsk-go', 121),
  ('66-nizhnyaya-salda-go', 77), ('40-maloyaroslavets-r', 236), ('40-zhukov-r', 189),
  ('07-baksan-r', 132), ('07-urvan-r', 118)
),
gen AS (
  SELECT s.id, (substr(s.code, 5)::int * 7) % 100 AS b, o.order_no
  FROM schools s
  JOIN municipalities m ON m.id = s.municipality_id
  JOIN orders o ON o.municipality_code = m.code
  WHERE s.code LIKE 'gen-%'
    AND s.type IN ('SOSH', 'OOSH', 'NOSH', 'BOARDING', 'OTHER')
),
wanted (school_id, category, school_year, basis, included_on, excluded_on, exclusion_reason) AS (
  SELECT id,
         CASE WHEN b < 12 THEN 'SHNOR' WHEN b < 18 THEN 'SHNSU' ELSE 'RISK_GROUP' END,
         2024,
         'приказ управления образования № ' || order_no || ' от 01.09.2024',
         date '2024-09-01', NULL::date, NULL::text
  FROM gen WHERE b < 22
  UNION ALL
  SELECT id, 'SHNOR', 2023,
         'приказ управления образования № ' || (order_no - 9) || ' от 01.09.2023',
         date '2023-09-01', date '2024-06-28', 'переход в эффективный режим'
  FROM gen WHERE b BETWEEN 22 AND 25
)
SELECT r.school_id, r.category, r.school_year, r.basis, r.included_on,
       r.excluded_on, r.exclusion_reason
FROM wanted r
WHERE NOT EXISTS (
  SELECT 1 FROM school_statuses st
  WHERE st.school_id = r.school_id AND st.category = r.category
    AND st.school_year = r.school_year)
ORDER BY r.school_id, r.school_year, r.category;

------------------------------------------------------------------------------
-- Curators: only people the seeds name as responsible for ШНОР support.
------------------------------------------------------------------------------
INSERT INTO school_curators (school_id, full_name, position, organisation,
                             starts_on, ends_on)
SELECT s.id, v.full_name, v.position, v.organisation, v.starts_on::date, v.ends_on::date
FROM (VALUES
  -- seed 001: order № 36, п. 3: муниципальный координатор Калашникова И.Н.
  ('gen-000009', 'Калашникова И.Н.',
   'муниципальный координатор по работе со школами с низкими образовательными результатами',
   'Управление образования администрации Ливенского района Орловской области',
   '2023-02-16', '2023-12-31'),
  ('gen-000025', 'Калашникова И.Н.',
   'муниципальный координатор по работе со школами с низкими образовательными результатами',
   'Управление образования администрации Ливенского района Орловской области',
   '2023-02-16', '2023-12-31'),
  ('gen-000041', 'Калашникова И.Н.',
   'муниципальный координатор по работе со школами с низкими образовательными результатами',
   'Управление образования администрации Ливенского района Орловской области',
   '2023-02-16', '2023-12-31'),
  -- seed 003: order № 625, plan item 2 (закрепление муниципальных координаторов,
  -- декабрь 2020) and the working group
  ('gen-000008', 'Васильева Т.Д.', 'заместитель заведующего отделом образования',
   'Отдел образования администрации муниципального района «Боровский район»',
   '2020-12-01', NULL),
  ('gen-000008', 'Александрова Г.И.', 'заместитель директора',
   'МОУ «СОШ № 4 г. Балабаново»',
   '2021-02-01', NULL),
  ('gen-000219', 'Лузгачева З.А.', 'заместитель заведующего отделом образования',
   'Отдел образования администрации муниципального района «Боровский район»',
   '2020-12-01', '2021-08-31')
) AS v (school_code, full_name, position, organisation, starts_on, ends_on)
JOIN schools s ON s.code = v.school_code
WHERE NOT EXISTS (
  SELECT 1 FROM school_curators c
  WHERE c.school_id = s.id AND c.full_name = v.full_name);

------------------------------------------------------------------------------
-- Partnerships of the seeds' ШНОР/ШНСУ with stronger schools of the same
-- municipality (NETWORK = сетевое партнёрство, MENTORING = наставничество).
------------------------------------------------------------------------------
INSERT INTO school_partnerships (school_id, partner_school_id, kind, agreement,
                                 starts_on, ends_on)
SELECT s.id, p.id, v.kind, v.agreement, v.starts_on::date, v.ends_on::date
FROM (VALUES
  -- seed 000: programme items 5.1 (наставничество) and 5.2 (договоры о сетевом
  -- партнёрстве со школами со стабильно высокими результатами), март 2021
  ('edu330101', 'edu330105', 'MENTORING',
   'наставничество (п. 5.1 муниципальной программы, приказ от 30.12.2020 № 653-осн)',
   '2021-03-01', '2023-12-31'),
  ('edu330102', 'edu330106', 'NETWORK',
   'договор о сетевом партнёрстве (п. 5.2 муниципальной программы, приказ от 30.12.2020 № 653-осн)',
   '2021-03-31', '2021-08-31'),
  ('edu330103', 'edu330105', 'NETWORK',
   'договор о сетевом партнёрстве (п. 5.2 муниципальной программы, приказ от 30.12.2020 № 653-осн)',
   '2021-03-31', '2023-12-31'),
  ('edu330104', 'edu330106', 'MENTORING',
   'наставничество (п. 5.1 муниципальной программы, приказ от 30.12.2020 № 653-осн)',
   '2021-03-01', NULL),
  -- seed 001: сетевое партнёрство and наставничество of the Livny programme
  ('gen-000009', 'gen-000191', 'NETWORK',
   'сетевое партнёрство со школой с высокими результатами обучения (программа адресного сопровождения, приказ от 16.02.2023 № 36)',
   '2023-03-01', '2023-12-31'),
  ('gen-000041', 'gen-000223', 'MENTORING',
   'наставничество (программа адресного сопровождения, приказ от 16.02.2023 № 36)',
   '2023-03-01', '2023-12-31'),
  -- seed 002: plan item 7, сетевое профессиональное сообщество (2 квартал 2020)
  ('edu660104', 'edu660101', 'NETWORK',
   'сетевое профессиональное сообщество педагогов (п. 7 плана, приказ от 31.01.2020 № 34)',
   '2020-04-01', '2021-08-31'),
  -- seed 003: plan — список сетевого партнёрства (январь-апрель 2021),
  -- институт наставничества (2021)
  ('gen-000008', 'edu400101', 'NETWORK',
   'список сетевого партнёрства (план к приказу отдела образования от 30.11.2020 № 625)',
   '2021-04-30', NULL),
  ('gen-000219', 'edu400101', 'MENTORING',
   'наставничество (план к приказу отдела образования от 30.11.2020 № 625)',
   '2021-01-15', '2021-08-31'),
  -- seed 004: сетевое взаимодействие для реализации ИУП (дорожная карта, п. 4.1)
  ('edu070101', 'gen-000198', 'NETWORK',
   'сетевое взаимодействие для реализации ИУП (п. 4.1 дорожной карты программы развития на 2023-2024 гг.)',
   '2023-09-01', NULL)
) AS v (school_code, partner_code, kind, agreement, starts_on, ends_on)
JOIN schools s ON s.code = v.school_code
JOIN schools p ON p.code = v.partner_code
WHERE NOT EXISTS (
  SELECT 1 FROM school_partnerships sp
  WHERE sp.school_id = s.id AND sp.partner_school_id = p.id);

------------------------------------------------------------------------------
-- Partnerships of generated 2024 ШНОР schools: each is paired with the first
-- (by code) generated gymnasium, lyceum or large secondary school (600+
-- pupils) of its municipality that has no 2024 status; even numbers get
-- наставничество, odd ones сетевое партнёрство.
------------------------------------------------------------------------------
INSERT INTO school_partnerships (school_id, partner_school_id, kind, agreement,
                                 starts_on, ends_on)
WITH weak AS (
  SELECT s.id, s.municipality_id, substr(s.code, 5)::int AS n
  FROM schools s
  JOIN school_statuses st ON st.school_id = s.id
  WHERE s.code LIKE 'gen-%' AND st.category = 'SHNOR' AND st.school_year = 2024
),
strong AS (
  SELECT DISTINCT ON (s.municipality_id) s.municipality_id, s.id
  FROM schools s
  WHERE s.code LIKE 'gen-%'
    AND (s.type IN ('GYMNASIUM', 'LYCEUM') OR (s.type = 'SOSH' AND s.students_count >= 600))
    AND NOT EXISTS (SELECT 1 FROM school_statuses st
                    WHERE st.school_id = s.id AND st.school_year = 2024)
  ORDER BY s.municipality_id, s.code
)
SELECT w.id, g.id,
       CASE WHEN w.n % 2 = 0 THEN 'MENTORING' ELSE 'NETWORK' END,
       CASE WHEN w.n % 2 = 0 THEN 'договор о наставничестве от 15.09.2024'
            ELSE 'соглашение о сетевом партнёрстве от 15.09.2024' END,
       date '2024-09-15', NULL::date
FROM weak w
JOIN strong g ON g.municipality_id = w.municipality_id
WHERE g.id <> w.id
  AND NOT EXISTS (
    SELECT 1 FROM school_partnerships sp
    WHERE sp.school_id = w.id AND sp.partner_school_id = g.id)
ORDER BY w.n;

------------------------------------------------------------------------------
-- Demo accounts, one per role, all with the password «opora-demo» (the
-- Argon2id hash below). DEMO ONLY: never load them into a real
-- installation. Plus a demo machine client «rcoi-vladimir» (ingest) whose
-- secret is «demo-secret-rcoi-vladimir-not-for-production».
------------------------------------------------------------------------------
INSERT INTO users (login, full_name, position, role, scope_kind, region_id,
                   municipality_id, school_id, password_hash)
SELECT v.login, v.full_name, v.position, v.role, v.scope_kind,
       CASE WHEN v.scope_kind = 'global' THEN NULL
            ELSE coalesce(r.id, m.region_id, sm.region_id) END,
       CASE WHEN v.scope_kind = 'municipality' THEN m.id END,
       CASE WHEN v.scope_kind = 'school' THEN s.id END,
       '$argon2id$v=19$m=65536,t=2,p=1$Mal+QZpmHHPPgSlOew1FWQ$7FPAIeT35HSWZln6ke/bsn32Rp8E+uqscDyzCuAAvNY'
FROM (VALUES
  ('admin', 'Администратор системы (демо)', NULL, 'admin', 'global', NULL, NULL, NULL),
  ('vladimir-admin', 'Региональный администратор (демо)',
   'Министерство образования Владимирской области', 'admin', 'region', '33', NULL, NULL),
  ('kovrov-uo', 'Муниципальный координатор (демо)',
   'Управление образования администрации Ковровского района', 'municipal',
   'municipality', NULL, '33-kovrov-r', NULL),
  ('kovrov-curator', 'Куратор ШНОР (демо)', 'МБУ «Центр развития образования»',
   'curator', 'region', '33', NULL, NULL),
  ('melekhovo-school', 'Руководитель ОО (демо)', 'Директор', 'school', 'school',
   NULL, NULL, 'edu330101'),
  ('rcoi-ingest', 'Оператор РЦОИ (демо)', NULL, 'ingest', 'region', '33', NULL, NULL),
  ('vladimir-reader', 'Аналитик (демо)', NULL, 'reader', 'region', '33', NULL, NULL)
) AS v(login, full_name, position, role, scope_kind, region_code, municipality_code, school_code)
LEFT JOIN regions r ON r.code = v.region_code
LEFT JOIN municipalities m ON m.code = v.municipality_code
LEFT JOIN schools s ON s.code = v.school_code
LEFT JOIN municipalities sm ON sm.id = s.municipality_id
WHERE NOT EXISTS (SELECT 1 FROM users u WHERE lower(u.login) = v.login);

-- The demo curator follows one Kovrov district school.
INSERT INTO school_curators (school_id, full_name, position, organisation,
                             starts_on, user_id)
SELECT s.id, 'Куратор ШНОР (демо)', 'куратор', 'МБУ «Центр развития образования»',
       '2024-09-01', u.id
FROM schools s, users u
WHERE s.code = 'edu330101' AND u.login = 'kovrov-curator'
  AND NOT EXISTS (SELECT 1 FROM school_curators c
                  WHERE c.school_id = s.id AND c.user_id = u.id);

INSERT INTO clients (client_id, description, role, scope_kind, region_id, secret_hash)
SELECT 'rcoi-vladimir', 'РЦОИ Владимирской области (демо)', 'ingest', 'region', r.id,
       decode('05faf38360ddfbeb65fb5ed6a4dfd9cfc2a0ab56d250ee5c7d9092717f9ca3f3', 'hex')
FROM regions r
WHERE r.code = '33' AND NOT EXISTS (SELECT 1 FROM clients WHERE client_id = 'rcoi-vladimir');
