-- The ISIC Rev.4 division of every district's main industry (the common industry language of
-- cross-clustering): where the main industry links to several divisions, the heaviest link, then
-- the division in the district's own ISTAT group (SCIAN 336340 brake parts: ISIC 29 motor-vehicle
-- parts before 23 friction materials), then the lowest code; and, where the main industry has class-level
-- links (NAICS, SCIAN, ATECO through the NACE correspondence), its ISIC Rev.4 class in that division: the
-- heaviest class link, then the lowest code (NULL where the industry meets ISIC only at division level).
with districts as (
    select * from {{ ref('int_districts') }}
),

groups as (
    select * from {{ ref('int_industry_code_groups') }}
),

isic_groups as (
    -- The ISTAT group of each ISIC division (seeds/istat_group_codes.csv, ISIC4 rows).
    select code_prefix as isic4_division, group_code
    from {{ ref('istat_group_codes') }}
    where industry_system = 'ISIC4' and length(code_prefix) = 2
),

ranked as (
    select
        d.district_id,
        d.ref_year,
        b.isic4_division,
        row_number() over (
            partition by d.district_id, d.ref_year
            order by sum(b.weight) desc, bool_or(ig.group_code = g.group_code) desc, b.isic4_division
        ) as rank
    from districts as d
    inner join {{ ref('int_industry_isic4') }} as b
        on b.industry_system = d.industry_system and b.industry_code = d.main_industry_code
    left join groups as g on g.industry_system = d.industry_system and g.industry_code = d.main_industry_code
    left join isic_groups as ig on ig.isic4_division = b.isic4_division
    group by d.district_id, d.ref_year, b.isic4_division
),

classes as (
    select
        d.district_id,
        d.ref_year,
        b.isic4_division,
        b.isic4_code as isic4_class,
        row_number() over (
            partition by d.district_id, d.ref_year, b.isic4_division
            order by sum(b.weight) desc, b.isic4_code
        ) as rank
    from districts as d
    inner join {{ ref('int_industry_isic4') }} as b
        on b.industry_system = d.industry_system and b.industry_code = d.main_industry_code
        and b.link_level = 'class'
    group by d.district_id, d.ref_year, b.isic4_division, b.isic4_code
)

select r.district_id, r.ref_year, r.isic4_division, c.isic4_class
from ranked as r
left join classes as c
    on c.district_id = r.district_id and c.ref_year = r.ref_year and c.isic4_division = r.isic4_division
    and c.rank = 1
where r.rank = 1
