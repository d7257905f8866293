import { guideUrlFor } from './guide-link.ts';

/**
 * "More in the guide" after an explanation, pointing at the section of the first of its codes the guide
 * explains (an AADSTS number before the refusal it caused); nothing when it explains none.
 */
export const MoreInTheGuide = ({
  code,
}: {
  code: string | null | undefined | readonly (string | null | undefined)[];
}) => {
  const codes = Array.isArray(code) ? code : [code];
  const known = codes.find((c) => guideUrlFor(c) !== null);
  const url = guideUrlFor(known);
  return url ? (
    <>
      {' '}
      <a class="guide-link" href={url} data-guide-code={known}>
        More in the guide
      </a>
    </>
  ) : null;
};
