-- Published from intermediate.int_district_size_facts (marts only select what is published; models read the
-- intermediate layer). The measured firms and employees are the district's total: withheld (NULL) under its
-- status (intermediate.int_district_total_status); whether the fact is met is published with that status.
select
    f.* replace (case when s.conf_status = 'F' then f.measured_value end as measured_value),
    s.conf_status
from {{ ref('int_district_size_facts') }} as f
inner join {{ ref('int_district_total_status') }} as s on s.district_id = f.district_id and s.ref_year = f.ref_year
