-- For statistical users: one row per district of the second bloc (Latin America by default) with its
-- five best partners of the first bloc (Europe), their scores and the English reasons; the long table
-- partner_matches has every pair, all components and the reasons in three languages.
with matches as (
    select * from {{ ref('int_partner_matches') }} where rank_for_second <= 5
)

select
    second_district_id as district_id,
    second_country as country,
    second_ref_year as ref_year,
    any_value(second_district_name) as district_name,
    any_value(second_typology_class) as typology_class,
    count(*) as partners,
    {%- for k in range(1, 6) %}
    max(case when rank_for_second = {{ k }} then first_district_id end) as partner_{{ k }}_district_id,
    max(case when rank_for_second = {{ k }} then first_district_name end) as partner_{{ k }}_name,
    max(case when rank_for_second = {{ k }} then score end) as partner_{{ k }}_score,
    max(case when rank_for_second = {{ k }} then reason_en end) as partner_{{ k }}_reason_en,
    {%- endfor %}
    any_value(rule_set_version) as rule_set_version,
    bool_or(is_synthetic) as is_synthetic
from matches
group by second_district_id, second_country, second_ref_year
